package dev.primus.agent.sim;

import dev.primus.agent.AgentEvent;
import dev.primus.agent.HaSettings;
import dev.primus.agent.PrimusAgent;
import dev.primus.agent.Watchdog;
import dev.primus.agent.WatchdogException;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.HaConfig;
import dev.primus.ha.Reason;
import dev.primus.ha.Timings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One simulated host: its database, its watchdog, and the real agent ({@link PrimusAgent}, with its real
 * executor) that a boot of the host runs, on a {@link SimRuntime} in the world's virtual time. Nothing of
 * the agent is simulated here: this class only boots, kills, freezes and thaws it, and builds it from the
 * world's parts (a connection of its own to the in-memory DCS, audited; the simulated database; the
 * simulated watchdog; the world's peers).
 *
 * <p>A frozen agent (a stopped JVM) runs nothing: every task of its lane waits until it thaws, while its
 * database, and its watchdog, carry on. A killed node loses everything in memory: the agent object is
 * dropped, its pending tasks with it, and a boot builds a new one.
 */
final class SimNode {
  /** How long a node takes to boot after a watchdog reset: 20 s, plus up to 40 s. */
  static final Duration BOOT_MIN = Duration.ofSeconds(20);
  static final Duration BOOT_SPREAD = Duration.ofSeconds(40);

  private final String name;
  private final SimCluster world;
  private final HaConfig config;
  private final SimDatabase db;
  private final SimWatchdog watchdog;
  private final Engine engine;

  private boolean alive;
  private int generation;
  private Instant frozenUntil;
  private Duration freezeAfterNextDecision;
  private final List<Runnable> thawed = new ArrayList<>();

  private AuditedStore store;
  private PrimusAgent agent;
  private Consumer<Set<String>> watchListener;
  private long decisions;
  /** The reason of the last decision: whether it leads in failsafe mode, for invariant 3. */
  private Reason lastReason;

  SimNode(String name, SimCluster world, HaConfig config, SimDatabase db, Engine engine) {
    this.name = name;
    this.world = world;
    this.config = config;
    this.db = db;
    this.engine = engine;
    this.watchdog = new SimWatchdog(world.scheduler(), name, SimWatchdog.timeoutFor(world.timings().ttl()),
        this::watchdogReset);
  }

  // ---- what others look at ------------------------------------------------------------------

  String name() {
    return name;
  }

  SimDatabase database() {
    return db;
  }

  SimWatchdog watchdog() {
    return watchdog;
  }

  boolean alive() {
    return alive;
  }

  int generation() {
    return generation;
  }

  boolean frozen() {
    return frozenUntil != null;
  }

  InMemoryDcs.Client client() {
    return store.client();
  }

  HaConfig config() {
    return config;
  }

  /** Decisions taken since the world started (all boots). */
  long cycles() {
    return decisions;
  }

  /** The reason of this agent's last decision; null before its first (and after a reboot). */
  Reason lastReason() {
    return alive ? lastReason : null;
  }

  /** The last decision kept this member primary without the DCS on failsafe. */
  boolean leadingInFailsafe() {
    return alive && lastReason == Reason.FAILSAFE_LEADING;
  }

  /** The running agent's answer to a {@code POST /failsafe}, as its REST API would give it. */
  FailsafeAnswer failsafe(FailsafeNotice notice) {
    return agent.commands().failsafe(notice).answer();
  }

  // ---- life and faults ----------------------------------------------------------------------

  /** Boots the host: a new DCS connection and a new agent with an empty memory; its first cycle soon. */
  void start(Duration firstCycleIn) {
    alive = true;
    generation++;
    frozenUntil = null;
    thawed.clear();
    lastReason = null;
    InMemoryDcs.Client client = world.dcs().client(name);
    store = new AuditedStore(client, name, world.path(), world.violations(), world.leases(),
        world.checker()::statusWritten);
    world.connected(this);
    SimRuntime runtime = new SimRuntime(this, world, generation);
    agent = PrimusAgent.builder()
        .cluster(world.path())
        .member(name, config.apiUrl(), config.connUrl())
        .store(store)
        .database(new SimDatabaseOperations(db, former -> world.fence(name, former)))
        .ha(HaSettings.defaults().withTags(config.tags()).withBootstrapDcs(config.bootstrapDcs()))
        .runtime(runtime)
        .watchdog(world.schedule().watchdog() ? new Device() : Watchdog.none())
        .decisionFunction(engine)
        .scripts(false)
        .listener(this::observed)
        .build();
    world.trace(name, "agent started");
    int gen = generation;
    world.scheduler().after(firstCycleIn, name + " boots", () -> {
      if (alive && generation == gen) {
        agent.start();
      }
    });
  }

  private void observed(AgentEvent e) {
    if (e instanceof AgentEvent.DecisionTaken taken) {
      decisions++;
      lastReason = taken.decision().reason();
      if (lastReason == Reason.DIVERGED_STOPPING || lastReason == Reason.DEMOTING_LOCK_NOT_RENEWED) {
        world.count(lastReason.name());
      }
      world.trace(name, new Object() {
        @Override
        public String toString() {
          return Describe.decision(taken.decision());
        }
      });
      if (freezeAfterNextDecision != null) {
        Duration f = freezeAfterNextDecision;
        freezeAfterNextDecision = null;
        freeze(f);
      }
    } else if (e instanceof AgentEvent.CycleFailed failed) {
      java.io.StringWriter w = new java.io.StringWriter();
      failed.error().printStackTrace(new java.io.PrintWriter(w));
      world.violations().report(0, name + "'s cycle failed: " + w.toString().lines().limit(12)
          .reduce("", (a, b) -> a + "\n      " + b));
    } else if (e instanceof AgentEvent.ActionFinished done) {
      world.trace(name, "  " + Describe.action(done.action()) + " -> " + done.outcome());
      if (done.action() instanceof dev.primus.ha.Action.Rewind && done.outcome().succeeded()) {
        world.count("rewinds");
      }
    }
  }

  /** The node dies: agent and database at once. Leases run on until they expire. */
  void kill() {
    if (!alive) {
      return;
    }
    alive = false;
    generation++;
    watchdog.disable();
    store.close();
    frozenUntil = null;
    thawed.clear();
    agent = null;
    watchListener = null;
    db.crash("node killed");
    world.trace(name, "node killed");
  }

  /** The agent's process stops being scheduled for {@code d}; its database keeps running. */
  void freeze(Duration d) {
    if (!alive) {
      return;
    }
    Instant until = world.now().plus(d);
    if (frozenUntil == null || until.isAfter(frozenUntil)) {
      frozenUntil = until;
      int gen = generation;
      world.scheduler().at(until, name + " thaw", () -> thaw(gen, until));
    }
    world.trace(name, "agent frozen for " + d.toMillis() + " ms");
  }

  /** Freezes the agent right after its next decision, before it executes any action. */
  void freezeAfterNextDecision(Duration d) {
    freezeAfterNextDecision = d;
  }

  /** Runs {@code r} once the node thaws (a frozen lane hands its waiting tasks over here). */
  void afterThaw(Runnable r) {
    thawed.add(r);
  }

  private void thaw(int gen, Instant until) {
    if (gen != generation || !alive || frozenUntil == null || !frozenUntil.equals(until)) {
      return;
    }
    frozenUntil = null;
    world.trace(name, "agent thawed");
    List<Runnable> pending = new ArrayList<>(thawed);
    thawed.clear();
    pending.forEach(Runnable::run);
  }

  /**
   * The watchdog fired: the machine resets. The database stops at once; so does the agent, whatever it
   * was doing (a frozen agent never resumes with its stale memory and half-run decision: it boots again
   * fresh, like any restarted node).
   */
  private void watchdogReset() {
    world.trace(name, "WATCHDOG RESET: node reboots");
    kill();
    Duration boot = BOOT_MIN.plusMillis(world.random().nextInt((int) BOOT_SPREAD.toMillis()));
    world.scheduler().after(boot, name + " boots after watchdog reset", () -> {
      if (!alive) {
        start(Duration.ZERO);
      }
    });
  }

  /** The agent subscribed to the DCS watch ({@code null}: it unsubscribed). */
  void watching(Consumer<Set<String>> listener) {
    this.watchListener = listener;
  }

  /** A watched key changed: the watch tells the agent (the watch is a read, so only if the DCS is reachable). */
  void watchFired(Set<String> keys) {
    if (!alive || watchListener == null || !world.reachable(this)) {
      return;
    }
    watchListener.accept(keys);
  }

  /** The simulated watchdog device, as the agent's {@link Watchdog}; its timeout is fixed ({@link SimWatchdog}). */
  private final class Device implements Watchdog {
    @Override
    public void activate(Timings timings) {
      watchdog.activate();
    }

    @Override
    public void keepalive(Timings timings) throws WatchdogException {
      if (!watchdog.active()) {
        // A reset happened (or it was never armed): petting a device that fired fails.
        throw new WatchdogException.NotArmed("simulated watchdog");
      }
      watchdog.keepalive();
    }

    @Override
    public void disable() {
      watchdog.disable();
    }

    @Override
    public boolean active() {
      return watchdog.active();
    }

    @Override
    public String describe() {
      return "simulated watchdog";
    }
  }

  @Override
  public String toString() {
    return name + (alive ? "" : " DEAD") + (frozen() ? " FROZEN" : "") + " " + db;
  }
}
