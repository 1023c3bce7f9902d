package dev.primus.runner;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.HaConfig;
import dev.primus.ha.HaEngine;
import dev.primus.ha.Timings;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverSettings;
import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import dev.primus.runner.loop.HaLoop;
import dev.primus.runner.loop.LoopConfig;
import dev.primus.runner.loop.PeerClient;
import dev.primus.runner.loop.Watchdog;
import dev.primus.runner.rest.NodeIdentity;
import dev.primus.runner.rest.RestApiServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent, assembled from a {@code patroni.yml}: the DCS store of the provider its DCS section
 * names, the member's {@link PatroniDcs} with a lease of the effective ttl, the database driver, the
 * watchdog, the {@link HaLoop} and the REST API server.
 *
 * <p>Start order: the store (with {@code bootstrap.dcs} timings), one read of the cluster to learn the
 * effective timings (the store is built again if they differ, since ZooKeeper's session timeout is the
 * ttl), the driver (with the DCS's dynamic {@code postgresql} settings, or {@code bootstrap.dcs}'s), the
 * loop, then the REST API. {@link #shutdown()} is what SIGTERM runs.
 */
public final class Agent {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final PatroniConfig config;
  private final KeyValueStore store;
  private final DatabaseDriver driver;
  private final HaLoop loop;
  private final RestApiServer rest;
  private final Object shutdownGuard = new Object();
  private HaLoop.ShutdownReport shutdownReport;

  private Agent(PatroniConfig config, KeyValueStore store, DatabaseDriver driver, HaLoop loop, RestApiServer rest) {
    this.config = config;
    this.store = store;
    this.driver = driver;
    this.loop = loop;
    this.rest = rest;
  }

  /** The agent could not be started; the message says why, naming the key or backend. */
  public static final class StartException extends Exception {
    private static final long serialVersionUID = 1L;

    public StartException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Builds and starts an agent.
   *
   * @param config     the validated configuration
   * @param configFile where it came from, for reloads (empty: reloads keep it)
   * @param loader     the class loader backends are looked up with (the plugins' one)
   * @param database   the database provider's name ({@link Backends#DEFAULT_DATABASE})
   * @param clock      the agent's clock
   */
  public static Agent start(PatroniConfig config, Optional<Path> configFile, ClassLoader loader, String database,
      Clock clock) throws StartException {
    Objects.requireNonNull(config, "config");
    DcsProvider dcsProvider;
    DatabaseProvider dbProvider;
    try {
      dcsProvider = Backends.dcs(loader, config.dcs().type());
      dbProvider = Backends.database(loader, database);
    } catch (RuntimeException e) {
      throw new StartException(e.getMessage(), e);
    }
    HaConfig ha = config.toHaConfig(PrimusVersion.PATRONI_COMPATIBLE);
    ClusterPath path = ClusterPath.of(config.namespace(), config.scope());
    Timings bootstrapTimings = config.bootstrap().timings();

    KeyValueStore store = createStore(dcsProvider, config, bootstrapTimings, loader);
    ClusterView first = firstRead(store, path);
    Timings timings = HaEngine.effectiveTimings(first, ha);
    if (!timings.equals(bootstrapTimings)) {
      LOG.info("the DCS config sets ttl {} s, loop_wait {} s, retry_timeout {} s; connecting with those",
          timings.ttl().toSeconds(), timings.loopWait().toSeconds(), timings.retryTimeout().toSeconds());
      store.close();
      store = createStore(dcsProvider, config, timings, loader);
    }
    PatroniDcs dcs = new PatroniDcs(store, path, config.name(), timings.ttl());

    DynamicConfig dynamic = first.config().map(Versioned::value).orElse(config.bootstrap().dcs());
    DatabaseDriver driver;
    try {
      driver = dbProvider.create(driverSettings(config, dynamic, loader));
    } catch (DriverException e) {
      store.close();
      throw new StartException("the " + database + " driver refused the configuration: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      store.close();
      throw new StartException("the " + database + " driver could not be created: " + e, e);
    }

    Watchdog watchdog = Watchdog.forConfig(config.watchdog(), timings.ttl());
    PeerClient peers;
    try {
      HttpClient http = RestClients.client(config.ctl(), Optional.of(config.restapi()), PeerClient.TIMEOUT);
      peers = PeerClient.http(http, PeerClient.TIMEOUT);
    } catch (IOException | GeneralSecurityException e) {
      driver.close();
      store.close();
      throw new StartException("cannot build the HTTP client for peers (ctl/restapi TLS settings): " + e.getMessage(), e);
    }
    LoopConfig loopConfig = loopConfig(config, ha);
    Supplier<Optional<LoopConfig>> reloader = () -> reload(configFile);
    HaLoop loop = new HaLoop(dcs, driver, watchdog, peers, clock, loopConfig, dynamic.postgresqlParameters(), reloader);

    RestApiServer rest;
    try {
      rest = RestApiServer.start(config.restapi(), new NodeIdentity(config.scope(), config.name(),
          PrimusVersion.PATRONI_COMPATIBLE, Optional.of(PrimusVersion.get())),
          loop, loop.commands(), clock);
    } catch (IOException | GeneralSecurityException e) {
      driver.close();
      store.close();
      throw new StartException("cannot start the REST API on " + config.restapi().listen() + ": " + e.getMessage(), e);
    }
    LOG.info("Primus {} starting: member {} of cluster {} ({} at {}), {}, REST API on {}", PrimusVersion.get(),
        config.name(), config.scope(), dcsProvider.name(), path.base(), watchdog.describe(), rest.address());
    loop.start();
    return new Agent(config, store, driver, loop, rest);
  }

  private static KeyValueStore createStore(DcsProvider provider, PatroniConfig config, Timings timings,
      ClassLoader loader) throws StartException {
    try {
      return provider.create(config.dcs().toSettings(timings, loader));
    } catch (DcsConfigException e) {
      throw new StartException(config.dcs().type() + "." + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StartException("the " + provider.name() + " store could not be created: " + e.getMessage(), e);
    }
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

  static LoopConfig loopConfig(PatroniConfig config, HaConfig ha) {
    return new LoopConfig(ha, config.postgresql().pgCtlTimeout(), config.postgresql().parameters(),
        config.postgresql().authentication().replication().username(), config.scope(), config.postgresql().callbacks());
  }

  /** SIGHUP / POST /reload: the file again; the loop takes the parts it can change while running. */
  private static Optional<LoopConfig> reload(Optional<Path> configFile) {
    if (configFile.isEmpty()) {
      LOG.info("reload: the configuration did not come from a file; keeping it");
      return Optional.empty();
    }
    ConfigLoadResult r = PatroniConfigLoader.load(configFile.get(), System.getenv());
    r.warnings().forEach(w -> LOG.warn("{}", w));
    if (r instanceof ConfigLoadResult.Invalid invalid) {
      LOG.error("reload: {} is not valid, keeping the running configuration:\n{}", configFile.get(), invalid.describe());
      return Optional.empty();
    }
    PatroniConfig next = ((ConfigLoadResult.Loaded) r).config();
    Logging.reconfigureLevels(next.log());
    LOG.info("reload: tags, parameters and log levels taken from {}; DCS, REST API and database paths need a"
        + " restart of the agent", configFile.get());
    return Optional.of(loopConfig(next, next.toHaConfig(PrimusVersion.PATRONI_COMPATIBLE)));
  }

  // ================================================================= running

  public HaLoop loop() {
    return loop;
  }

  public RestApiServer rest() {
    return rest;
  }

  public PatroniConfig config() {
    return config;
  }

  /**
   * Stops the agent as SIGTERM should: PostgreSQL stopped fast, then the leader key released and the lease
   * revoked (unless paused, or PostgreSQL did not stop), then the REST API, the driver and the store closed.
   * Idempotent: a second call returns the first report.
   */
  public HaLoop.ShutdownReport shutdown() {
    synchronized (shutdownGuard) {
      if (shutdownReport != null) {
        return shutdownReport;
      }
      LOG.info("shutting down");
      Timings t = loop.timings();
      Duration cycleWait = t.retryTimeout().multipliedBy(2).plusSeconds(5);
      HaLoop.ShutdownReport report;
      try {
        report = loop.shutdown(cycleWait);
      } finally {
        rest.close();
        driver.close();
        store.close();
      }
      LOG.info("shut down: {}", report);
      shutdownReport = report;
      shutdownGuard.notifyAll();
      return report;
    }
  }

  /** Blocks until the loop thread ends (after {@link #shutdown()}). */
  public void awaitShutdown() throws InterruptedException {
    synchronized (shutdownGuard) {
      while (shutdownReport == null) {
        shutdownGuard.wait(1000);
      }
    }
  }
}
