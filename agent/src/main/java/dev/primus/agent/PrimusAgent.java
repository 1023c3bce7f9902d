package dev.primus.agent;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.ReleaseOutcome;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.HaConfig;
import dev.primus.ha.HaEngine;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.Timings;
import dev.primus.ha.driver.DatabaseDriver;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one member: it observes its DCS and its database, lets the engine decide, and carries the
 * decisions out, cycle after cycle, until it is shut down. What a Patroni process is for one PostgreSQL
 * instance, as a Java object: an embedder builds one per member, many of them can share one
 * {@link PrimusRuntime} in a JVM, and the runner wraps one in a REST API.
 *
 * <pre>{@code
 * PrimusAgent agent = PrimusAgent.builder()
 *     .cluster("pg-main")
 *     .member("node1", "http://10.0.0.1:8008/patroni", "postgres://10.0.0.1:5432/postgres")
 *     .store(store)                       // a KeyValueStore of a dcs-* backend
 *     .database(driver)                   // a DatabaseDriver of a db-* backend
 *     .ha(HaSettings.defaults())
 *     .listener(event -> log.info("{}", event))
 *     .build();
 * agent.start();
 * ...
 * agent.commands().switchover(new SwitchoverRequest(...));
 * agent.shutdown();                       // SIGTERM: stop PostgreSQL, give the lock up
 * }</pre>
 *
 * <p>Thread-safe. It starts no thread of its own: its work runs on its runtime's lanes and workers. It
 * never exits the process and keeps no static state.
 */
public final class PrimusAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrimusAgent.class);
  /** How long {@link #shutdown()} waits for the callback scripts it fired (the on_stop). */
  static final Duration SCRIPTS_AT_SHUTDOWN = Duration.ofSeconds(5);
  /**
   * How long one look at the database for {@link #liveStatus} may take. Short: a load balancer's health check
   * waits for it; a server that does not answer within it is reported so.
   */
  public static final Duration LIVE_CHECK_TIMEOUT = Duration.ofSeconds(1);

  private final AgentCore core;
  private final Commands commands;
  private final String apiUrl;
  private final LivenessCache liveness;
  private final Optional<PrimusRuntime> ownRuntime;
  private final Object lifecycle = new Object();
  private boolean started;
  private boolean closed;
  private ShutdownReport shutdownReport;

  private PrimusAgent(AgentCore core, String apiUrl, Optional<PrimusRuntime> ownRuntime) {
    this.core = core;
    this.commands = new Commands(core);
    this.apiUrl = apiUrl;
    this.liveness = new LivenessCache(() -> core.db.liveness(LIVE_CHECK_TIMEOUT), core.clock, LIVE_CHECK_TIMEOUT);
    this.ownRuntime = ownRuntime;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts the loop: its first cycle runs at once. Idempotent. */
  public void start() {
    synchronized (lifecycle) {
      if (started || closed) {
        return;
      }
      started = true;
    }
    core.runtime.register(this);
    core.start();
  }

  /** The latest status, published after every cycle. Never blocks. */
  public AgentStatus status() {
    return core.status();
  }

  /**
   * The latest status with the database looked at again, for answers that must hold for PostgreSQL as it is
   * now, not as the last cycle saw it up to {@code loop_wait} ago (health checks: right after an immediate
   * stop Patroni says 503, and so must Primus). See {@link AgentStatus#withLiveness} for what the look
   * changes. The look is shared: one taken at most {@code maxAge} ago serves every caller, and one taken for
   * another caller that is still running is waited for, so load balancers polling hard cost at most one look
   * per {@code maxAge}. It runs on the calling thread, never on the agent's lane, and the driver bounds it
   * by {@link #LIVE_CHECK_TIMEOUT}; a look that failed leaves {@link #status()} as it is. The stage never
   * completes exceptionally.
   */
  public CompletionStage<AgentStatus> liveStatus(Duration maxAge) {
    Objects.requireNonNull(maxAge, "maxAge");
    return liveness.get(maxAge, core.status()).thenApply(look -> {
      // A cycle that published after the look began may have seen more than the look: its status stands.
      AgentStatus latest = core.status();
      return look.basis() == latest ? latest.withLiveness(look.result()) : latest;
    });
  }

  /**
   * How long the HA loop's cycles took and how late they began, since {@link #start()} ({@code GET /metrics}
   * exposes them as {@code primus_loop_cycle_seconds} and {@code primus_loop_cycle_delay_seconds}). Never blocks
   * on the loop.
   */
  public LoopTimes.Snapshot loopTimes() {
    return core.loopTimes.snapshot();
  }

  /** What an operator can ask of this member. */
  public AgentCommands commands() {
    return commands;
  }

  public void addListener(AgentListener listener) {
    core.addListener(listener);
  }

  public void removeListener(AgentListener listener) {
    core.removeListener(listener);
  }

  /** The member name. */
  public String name() {
    return core.name;
  }

  /** The REST API URL this member publishes (its {@code api_url}). */
  public String apiUrl() {
    return apiUrl;
  }

  /** Where its cluster lives in the DCS. */
  public ClusterPath cluster() {
    return core.path;
  }

  /** The timings in force by the last view of the cluster. */
  public Timings timings() {
    return core.timings();
  }

  /** The clock the agent reads. */
  public Clock clock() {
    return core.clock;
  }

  /**
   * Takes new settings into use (a reloaded configuration: tags, parameters, scripts, timeouts); the
   * member's identity stays. The next cycle decides with them; call {@code commands().reload()} to also
   * apply them to the database at once.
   */
  public void reconfigure(HaSettings settings) {
    HaConfig current = core.ha();
    // What the database can do is the driver's, which a reload does not replace.
    core.reconfigure(Builder.haConfig(current.name(), current.apiUrl(), current.connUrl(), settings)
        .withReplicaWithoutLeader(current.replicaWithoutLeader()).withWatchdog(core.watchdog.resetsFrozenNode()), settings);
  }

  /** What {@link #shutdown()} did. */
  public record ShutdownReport(boolean databaseStopped, boolean lockReleased, boolean leaseRevoked, String note) {}

  /**
   * Stops the member the way Patroni's SIGTERM does: the loop first; then PostgreSQL (fast), and only once
   * it is down the leader key released and the lease revoked, so the others need not wait for the ttl. If
   * the database did not stop the key stays (nobody may be promoted while this one may still take
   * writes). Paused: PostgreSQL keeps running and the keys stay, as in Patroni. Then everything is closed
   * as by {@link #close()}. Blocks until done; idempotent (a second call returns the first report).
   */
  public ShutdownReport shutdown() {
    synchronized (lifecycle) {
      if (shutdownReport != null) {
        return shutdownReport;
      }
      if (closed) {
        return new ShutdownReport(false, false, false, "already closed");
      }
    }
    LOG.info("shutting down");
    Timings t = core.timings();
    awaitLoopStop(t.retryTimeout().multipliedBy(2).plusSeconds(5));
    ClusterView view = core.lastView();
    ShutdownReport report;
    try {
      report = stopAndRelease(view);
    } finally {
      core.watchdog.close();
      if (core.scripts != null) {
        core.scripts.close(SCRIPTS_AT_SHUTDOWN);
      }
      closeResources();
    }
    LOG.info("shut down: {}", report);
    synchronized (lifecycle) {
      shutdownReport = report;
    }
    return report;
  }

  private ShutdownReport stopAndRelease(ClusterView view) {
    if (view.paused()) {
      LOG.info("paused: leaving PostgreSQL running and the DCS keys in place");
      return new ShutdownReport(false, false, false, "paused");
    }
    if (!stopDatabase(view)) {
      LOG.error("PostgreSQL did not stop: keeping the leader key, so that no other member is promoted while"
          + " this one may still take writes");
      return new ShutdownReport(false, false, false, "database did not stop");
    }
    PatroniDcs d = core.dcs();
    boolean released = false;
    boolean revoked = false;
    try {
      if (view.isLockedBy(d.memberName()) || core.state.memory().lastLockUpdate().isPresent()) {
        released = d.releaseLeaderLock() == ReleaseOutcome.RELEASED;
        if (released) {
          LOG.info("leader key released");
        }
      }
      d.revokeLease();
      revoked = true;
    } catch (DcsException e) {
      LOG.warn("could not release the leader key or revoke the lease (it expires after ttl): {}", e.getMessage());
    }
    return new ShutdownReport(true, released, revoked, "");
  }

  /** Stops PostgreSQL fast, bounded in time: a long action may still hold the database, so this waits only so long. */
  private boolean stopDatabase(ClusterView view) {
    Duration timeout = core.databaseTimeout();
    long waitUntil = System.nanoTime() + timeout.toNanos();
    while (core.state.inProgress().isPresent() && System.nanoTime() < waitUntil) {
      sleep(100);
    }
    if (core.state.inProgress().isPresent()) {
      LOG.warn("a long action is still running; stopping PostgreSQL anyway");
    }
    Duration bound = timeout.multipliedBy(2).plusSeconds(5);
    Optional<LocalState> before = probe(bound);
    try {
      ActionOutcome o = core.db.stop(StopMode.FAST, timeout).toCompletableFuture()
          .get(bound.toMillis(), TimeUnit.MILLISECONDS);
      if (o.succeeded()) {
        before.ifPresent(core.callbacks::stoppedAtShutdown);
        Optional<LocalState> after = probe(bound);
        long checkpoint = after.filter(LocalState::cleanShutdown).map(LocalState::walPosition).orElse(0L);
        LOG.info("PostgreSQL stopped{}", checkpoint > 0 ? " (shutdown checkpoint at " + checkpoint + ")" : "");
        writeShutdownCheckpoint(view, checkpoint);
        return true;
      }
      LOG.warn("stopping PostgreSQL failed: {}", o);
    } catch (ExecutionException e) {
      LOG.warn("stopping PostgreSQL failed: {}", String.valueOf(e.getCause()));
    } catch (TimeoutException e) {
      LOG.warn("stopping PostgreSQL did not finish within {} s", bound.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return probe(bound).map(l -> !l.isRunning()).orElse(false);
  }

  private Optional<LocalState> probe(Duration bound) {
    try {
      return Optional.of(core.db.probe().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The leader writes its shutdown checkpoint to {@code status}, so candidates know they have all of it. */
  private void writeShutdownCheckpoint(ClusterView view, long checkpoint) {
    PatroniDcs d = core.dcs();
    if (checkpoint <= 0 || !view.isLockedBy(d.memberName())) {
      return;
    }
    ClusterStatus s = view.status();
    try {
      d.writeStatus(new ClusterStatus(checkpoint, s.slots(), s.retainSlots()));
    } catch (DcsException e) {
      LOG.warn("could not write the shutdown checkpoint to status: {}", e.getMessage());
    }
  }

  /**
   * Stops the agent at once, as if its process had died: the loop stops (a long action still running
   * finishes in the background), the database and the DCS keys are left as they are (the lease expires
   * after ttl and another member takes over), the watchdog is left armed if it is. The driver is closed;
   * the store is not (it is the caller's, and may serve other agents). Use {@link #shutdown()} to stop the
   * member cleanly. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
    }
    awaitLoopStop(Duration.ofSeconds(2));
    if (core.scripts != null) {
      core.scripts.close(Duration.ZERO);
    }
    closeResources();
  }

  private void awaitLoopStop(Duration wait) {
    try {
      core.stop().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("the HA loop did not finish its cycle within {} s; stopping anyway", wait.toSeconds());
    } catch (ExecutionException e) {
      LOG.warn("the HA loop stopped with an error: {}", String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeResources() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
    }
    core.runtime.unregister(this);
    try {
      core.db.close();
    } catch (RuntimeException e) {
      LOG.warn("closing the database driver failed: {}", e.toString());
    }
    ownRuntime.ifPresent(PrimusRuntime::close);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "PrimusAgent[" + core.name + " of " + core.path.base() + "]";
  }

  /**
   * Assembles an agent. Required: {@link #cluster}, {@link #member}, {@link #store}, {@link #database}.
   * Everything else has a default: Patroni's settings, no watchdog, a runtime of its own (closed with the
   * agent), the runtime's peer client.
   */
  public static final class Builder {
    private ClusterPath path;
    private String name;
    private String apiUrl;
    private String connUrl;
    private KeyValueStore store;
    private DatabaseDriver driver;
    private DatabaseOperations operations;
    private HaSettings settings = HaSettings.defaults();
    private AgentRuntime runtime;
    private PeerClient peers;
    private Watchdog watchdog = Watchdog.none();
    private DecisionFunction engine = DecisionFunction.engine();
    private boolean scripts = true;
    private final List<AgentListener> listeners = new ArrayList<>();

    private Builder() {}

    /** The cluster {@code scope} under Patroni's default namespace {@code /service/}. */
    public Builder cluster(String scope) {
      return cluster(ClusterPath.of(scope));
    }

    /** The cluster {@code scope} under {@code namespace}. */
    public Builder cluster(String scope, String namespace) {
      return cluster(ClusterPath.of(namespace, scope));
    }

    public Builder cluster(ClusterPath path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * This member: its name, the REST API URL it publishes ({@code api_url}, what peers and patronictl
     * ask) and its PostgreSQL URL ({@code conn_url}, what replicas stream from).
     */
    public Builder member(String name, String apiUrl, String connUrl) {
      this.name = Objects.requireNonNull(name, "name");
      this.apiUrl = Objects.requireNonNull(apiUrl, "apiUrl");
      this.connUrl = Objects.requireNonNull(connUrl, "connUrl");
      return this;
    }

    /** The DCS store. Not closed by the agent; several agents may share one. */
    public Builder store(KeyValueStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The database driver; closed when the agent is. */
    public Builder database(DatabaseDriver driver) {
      this.driver = Objects.requireNonNull(driver, "driver");
      this.operations = null;
      return this;
    }

    /** The database as asynchronous operations (a simulator's database); closed when the agent is. */
    public Builder database(DatabaseOperations operations) {
      this.operations = Objects.requireNonNull(operations, "operations");
      this.driver = null;
      return this;
    }

    public Builder ha(HaSettings settings) {
      this.settings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** The runtime to run on, shared with other agents; not closed by the agent. */
    public Builder runtime(AgentRuntime runtime) {
      this.runtime = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /** How peers are asked; default: the runtime's. */
    public Builder peers(PeerClient peers) {
      this.peers = Objects.requireNonNull(peers, "peers");
      return this;
    }

    public Builder watchdog(Watchdog watchdog) {
      this.watchdog = Objects.requireNonNull(watchdog, "watchdog");
      return this;
    }

    public Builder listener(AgentListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Replaces the engine. For the deterministic simulator's mutant tests only, which break one rule on
     * purpose; see {@link DecisionFunction}.
     */
    public Builder decisionFunction(DecisionFunction engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /** Whether the operator's callback scripts may run (default yes; a simulator has no processes). */
    public Builder scripts(boolean run) {
      this.scripts = run;
      return this;
    }

    public PrimusAgent build() {
      require(path, "cluster");
      require(name, "member");
      require(store, "store");
      if (driver == null && operations == null) {
        throw new IllegalStateException("the agent needs a database: call database(...)");
      }
      Optional<PrimusRuntime> own = Optional.empty();
      AgentRuntime rt = runtime;
      if (rt == null) {
        PrimusRuntime created = PrimusRuntime.create();
        own = Optional.of(created);
        rt = created;
      }
      DatabaseOperations ops = operations != null ? operations : new DriverOperations(driver, rt);
      HaConfig ha = haConfig(name, apiUrl, connUrl, settings).withReplicaWithoutLeader(ops.canCreateReplicaWithoutLeader())
          .withWatchdog(watchdog.resetsFrozenNode());
      Duration ttl = HaEngine.effectiveTimings(ClusterView.empty(ConnectionState.SUSPENDED), ha).ttl();
      PatroniDcs dcs = new PatroniDcs(store, path, name, ttl);
      AgentCore core = new AgentCore(name, path, ha, settings, rt, dcs, ops, peers != null ? peers : rt.peers(),
          watchdog, engine, scripts ? new CallbackRunner() : null);
      listeners.forEach(core::addListener);
      return new PrimusAgent(core, apiUrl, own);
    }

    private static void require(Object v, String what) {
      if (v == null) {
        throw new IllegalStateException("the agent needs " + what + "(...)");
      }
    }

    static HaConfig haConfig(String name, String apiUrl, String connUrl, HaSettings s) {
      return new HaConfig(name, connUrl, apiUrl, s.tags(), s.agentVersion(), s.bootstrapAllowed(), s.bootstrapDcs(),
          s.removeDataDirectoryOnRewindFailure(), s.removeDataDirectoryOnDivergedTimelines(), s.localParameters());
    }
  }
}
