package dev.primus.runner;

import dev.primus.runner.wiring.RestClientTls;
import dev.primus.runner.wiring.RestClients;
import dev.primus.runner.wiring.Backends;
import dev.primus.agent.HaSettings;
import dev.primus.agent.PrimusAgent;
import dev.primus.agent.PrimusRuntime;
import dev.primus.agent.WatchdogException;
import dev.primus.agent.watchdog.DeviceWatchdog;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.HaEngine;
import dev.primus.ha.Timings;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverSettings;
import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import dev.primus.runner.rest.NodeIdentity;
import dev.primus.runner.rest.AgentStatusSource;
import dev.primus.runner.rest.ReloadingCommands;
import dev.primus.runner.rest.RestApiServer;
import dev.primus.runner.config.WatchdogConfig;
import dev.primus.runner.watchdog.WatchdogDrivers;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member the runner runs, assembled from its {@code patroni.yml}: the {@link PrimusAgent} (with the DCS
 * store of the provider its DCS section names, the database driver, the watchdog, the callback scripts)
 * and the REST API over the agent's status and commands. Several members of one process share one
 * {@link PrimusRuntime} and, where their DCS settings are the same, one store ({@link Stores}).
 *
 * <p>Start order: one read of the cluster to learn the effective timings (a store is sized with them, since
 * ZooKeeper's session timeout is the ttl), the driver (with the DCS's dynamic {@code postgresql} settings, or
 * {@code bootstrap.dcs}'s), the agent, then the REST API. {@link #shutdown()} is what SIGTERM runs.
 */
public final class Member {
  private static final Logger LOG = LoggerFactory.getLogger(Member.class);

  private final PatroniConfig config;
  private final Optional<Path> configFile;
  private final PrimusAgent agent;
  private final DeviceWatchdog watchdog;
  private final RestApiServer rest;
  private final Object shutdownGuard = new Object();
  private PrimusAgent.ShutdownReport shutdownReport;

  private Member(PatroniConfig config, Optional<Path> configFile, PrimusAgent agent, DeviceWatchdog watchdog,
      RestApiServer rest) {
    this.config = config;
    this.configFile = configFile;
    this.agent = agent;
    this.watchdog = watchdog;
    this.rest = rest;
  }

  /** The member could not be started; the message says why, naming the key or backend. */
  public static final class StartException extends Exception {
    private static final long serialVersionUID = 1L;

    public StartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Builds and starts a member.
   *
   * @param config     the validated configuration
   * @param configFile where it came from, for reloads (empty: reloads keep it)
   * @param loader     the class loader backends are looked up with (the plugins' one)
   * @param database   the database provider's name
   * @param runtime    the runtime the process's members share
   * @param stores     the process's stores, shared by members with the same DCS settings
   */
  public static Member start(PatroniConfig config, Optional<Path> configFile, ClassLoader loader, String database,
      PrimusRuntime runtime, Stores stores) throws StartException {
    Objects.requireNonNull(config, "config");
    // First, before anything connects: watchdog.mode: required stops here on a device that could never be armed.
    DeviceWatchdog watchdog = watchdog(config.watchdog());
    DatabaseProvider dbProvider;
    try {
      dbProvider = Backends.database(loader, database);
    } catch (RuntimeException e) {
      throw new StartException(e.getMessage(), e);
    }
    String version = config.dialect().version();
    HaSettings settings = config.toHaSettings(version);
    ClusterPath path = ClusterPath.of(config.namespace(), config.scope());

    // The store is sized with the timings the cluster runs with, which the DCS config may change: read it
    // once with a store of bootstrap.dcs's timings, and use one of the DCS config's timings if they differ.
    Timings bootstrapTimings = config.bootstrap().timings();
    KeyValueStore first = stores.get(config, bootstrapTimings, loader);
    ClusterView cluster = firstRead(first, path);
    Timings timings = HaEngine.effectiveTimings(cluster, config.toHaConfig(version));
    KeyValueStore store = timings.equals(bootstrapTimings) ? first : stores.get(config, timings, loader);
    if (store != first) {
      LOG.info("the DCS config sets ttl {} s, loop_wait {} s, retry_timeout {} s; connecting with those",
          timings.ttl().toSeconds(), timings.loopWait().toSeconds(), timings.retryTimeout().toSeconds());
      stores.release(first);
    }

    DynamicConfig dynamic = cluster.config().map(Versioned::value).orElse(config.bootstrap().dcs());
    DatabaseDriver driver;
    try {
      driver = dbProvider.create(driverSettings(config, dynamic, loader));
    } catch (DriverException e) {
      stores.release(store);
      throw new StartException("the " + database + " driver refused the configuration: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      stores.release(store);
      throw new StartException("the " + database + " driver could not be created: " + e, e);
    }

    HttpClient http;
    try {
      http = RestClients.peerClient(RestClientTls.forPeers(config.ctl(), config.restapi()), dev.primus.agent.PeerClient.TIMEOUT);
    } catch (IOException | GeneralSecurityException e) {
      driver.close();
      stores.release(store);
      throw new StartException("cannot build the HTTP client for peers (ctl/restapi TLS settings): " + e.getMessage(), e);
    }
    PrimusAgent agent = PrimusAgent.builder()
        .cluster(path)
        .member(config.name(), config.restapi().apiUrl(), config.postgresql().connUrl())
        .store(store)
        .database(driver)
        .ha(settings)
        .runtime(runtime)
        .peers(runtime.peerClient(http))
        .watchdog(watchdog)
        .build();

    String replicationUser = config.postgresql().authentication().replication().username();
    java.util.concurrent.atomic.AtomicReference<Member> self = new java.util.concurrent.atomic.AtomicReference<>();
    RestApiServer rest;
    try {
      rest = RestApiServer.start(config.restapi(), new NodeIdentity(config.scope(), config.name(), version,
          Optional.of(PrimusVersion.get())), new AgentStatusSource(agent, replicationUser),
          new ReloadingCommands(agent.commands(), () -> {
            Member m = self.get();
            if (m != null) {
              m.reload();
            }
          }), runtime.clock());
    } catch (IOException | GeneralSecurityException e) {
      agent.close();
      stores.release(store);
      throw new StartException("cannot start the REST API on " + config.restapi().listen() + ": " + e.getMessage(), e);
    }
    LOG.info("Primus {} starting: member {} of cluster {} ({} at {}), {}, REST API on {}", PrimusVersion.get(),
        config.name(), config.scope(), config.dcs().type(), path.base(), watchdog.describe(), rest.address());
    agent.start();
    Member m = new Member(config, configFile, agent, watchdog, rest);
    self.set(m);
    return m;
  }

  /**
   * The member's watchdog for its {@code watchdog} section, not armed: the agent arms, pets and re-times it as
   * the engine asks, with the cluster's timings at that moment ({@code ttl - safety_margin}, or {@code ttl / 2}
   * for {@code safety_margin: -1}). With {@code mode: required}, a device that could never be armed (missing,
   * not writable, no character device for the default driver, a timeout that can be neither set nor read)
   * refuses the start, as Patroni exits when a required watchdog is not supported; the device is not opened for
   * that, since opening arms it. Failures found only when arming (a timeout the driver rounds up) make the
   * engine give the lock up instead.
   */
  static DeviceWatchdog watchdog(WatchdogConfig section) throws StartException {
    DeviceWatchdog watchdog = new DeviceWatchdog(WatchdogDrivers.settings(section));
    try {
      watchdog.checkUsableIfRequired();
    } catch (WatchdogException e) {
      throw new StartException("watchdog.mode is required, but " + e.getMessage() + "; this member could never"
          + " lead. Fix watchdog.device or watchdog.driver, or set watchdog.mode to automatic or off", e);
    }
    return watchdog;
  }

  /** The cluster as it is now, to learn the timings; an unreachable DCS gives an empty, not-current view. */
  private static ClusterView firstRead(KeyValueStore store, ClusterPath path) {
    try {
      return PatroniCodec.decode(store.read(path.base()), path);
    } catch (DcsException e) {
      LOG.warn("the DCS cannot be read yet ({}); starting with bootstrap.dcs timings", e.getMessage());
      return ClusterView.empty(ConnectionState.SUSPENDED);
    }
  }

  /**
   * What the driver is built from: the {@code postgresql} section as written (plus the cluster name, which
   * the driver uses for {@code cluster_name}), the {@code bootstrap} section without what belongs to the
   * runner ({@code dcs}; {@code users}, which the loader already reported as ignored), and the dynamic
   * {@code postgresql} settings.
   */
  static DriverSettings driverSettings(PatroniConfig config, DynamicConfig dynamic, ClassLoader loader) {
    Map<String, Object> section = new LinkedHashMap<>(config.tree().section("postgresql").orElse(Map.of()));
    section.putIfAbsent("scope", config.scope());
    Map<String, Object> bootstrap = new LinkedHashMap<>(config.tree().section("bootstrap").orElse(Map.of()));
    bootstrap.remove("dcs");
    bootstrap.remove("users");
    Map<String, Object> dyn = dynamic.values().get("postgresql") instanceof Map<?, ?> m
        ? stringKeys(m) : Map.of();
    return new DriverSettings(config.name(), section, bootstrap, dyn, loader);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null) {
        out.put(String.valueOf(k), v);
      }
    });
    return out;
  }

  /**
   * SIGHUP or {@code POST /reload}: the file again; the agent takes the parts it can change while running
   * (tags, parameters, scripts, timeouts, log levels), then applies them to the database. The watchdog takes its
   * section as Patroni does: {@code mode: off} disarms at once, a new {@code safety_margin} changes the timeout at
   * the next keepalive, a new mode, device or driver is armed anew at the next keepalive.
   */
  public void reload() {
    configFile.ifPresentOrElse(file -> {
      ConfigLoadResult r = PatroniConfigLoader.load(file, System.getenv());
      r.warnings().forEach(w -> LOG.warn("{}", w));
      if (r instanceof ConfigLoadResult.Invalid invalid) {
        LOG.error("reload: {} is not valid, keeping the running configuration:\n{}", file, invalid.describe());
        return;
      }
      PatroniConfig next = ((ConfigLoadResult.Loaded) r).config();
      Logging.reconfigureLevels(next.log());
      agent.reconfigure(next.toHaSettings(next.dialect().version()));
      watchdog.reconfigure(WatchdogDrivers.settings(next.watchdog()));
      LOG.info("reload: tags, parameters, scripts, the watchdog section and log levels taken from {}; DCS, REST API"
          + " and database paths need a restart of the agent", file);
    }, () -> LOG.info("reload: the configuration did not come from a file; keeping it"));
    agent.commands().reload();
  }

  // ================================================================= running

  public PrimusAgent agent() {
    return agent;
  }

  public RestApiServer rest() {
    return rest;
  }

  public PatroniConfig config() {
    return config;
  }

  /**
   * Stops the member as SIGTERM should: PostgreSQL stopped fast, then the leader key released and the lease
   * revoked (unless paused, or PostgreSQL did not stop), then the REST API closed. Idempotent: a second call
   * returns the first report.
   */
  public PrimusAgent.ShutdownReport shutdown() {
    synchronized (shutdownGuard) {
      if (shutdownReport != null) {
        return shutdownReport;
      }
      LOG.info("shutting down {}", config.name());
      PrimusAgent.ShutdownReport report;
      try {
        report = agent.shutdown();
      } finally {
        rest.close();
      }
      LOG.info("shut down: {}", report);
      shutdownReport = report;
      shutdownGuard.notifyAll();
      return report;
    }
  }

  /** Blocks until {@link #shutdown()} has run. */
  public void awaitShutdown() throws InterruptedException {
    synchronized (shutdownGuard) {
      while (shutdownReport == null) {
        shutdownGuard.wait(1000);
      }
    }
  }
}
