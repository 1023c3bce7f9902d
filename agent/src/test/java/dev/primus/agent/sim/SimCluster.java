package dev.primus.agent.sim;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.ManualClock;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.ha.Action;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.HaConfig;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import dev.primus.ha.Timings;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The simulated world of one schedule: the clock and event queue, the in-memory DCS, every member's
 * agent and database, the network faults between them, and the invariant checker that looks at all
 * of it after every event.
 */
final class SimCluster {
  /** How long a DCS watch takes to wake a sleeping agent after a change. */
  static final Duration WATCH_DELAY = Duration.ofMillis(20);
  /** Events at one virtual instant beyond which the run is a livelock. */
  static final int SAME_INSTANT_MAX = 20_000;

  private final Schedule schedule;
  private final Random random;
  private final Scheduler scheduler;
  private final Trace trace;
  private final Violations violations;
  private final InMemoryDcs dcs;
  private final ClusterPath path = ClusterPath.of("sim");
  private final Keys keys = Keys.of(path);
  private final DatabaseFleet fleet;
  private final LeaseClock leases;
  private final Map<String, SimNode> agents = new LinkedHashMap<>();
  private final Map<String, String> watchedSeen = new java.util.HashMap<>();
  private final Set<String> isolated = new HashSet<>();
  /** Nodes cut off from the DCS only: the other agents still reach them, and they the others. */
  private final Set<String> cutFromDcs = new HashSet<>();
  private final InvariantChecker checker;
  private final Set<String> watchedKeys;
  private Snapshot lastLook;
  private long lastLookRevision;
  private boolean paused;
  private long events;
  private final Instant origin;

  SimCluster(Schedule schedule, Random random, Engine engine) {
    this.schedule = schedule;
    this.random = random;
    ManualClock clock = new ManualClock();
    this.scheduler = new Scheduler(clock);
    this.origin = clock.instant();
    this.trace = new Trace(clock.instant(), 4000);
    this.violations = new Violations(scheduler, trace);
    this.dcs = new InMemoryDcs(clock);
    this.fleet = new DatabaseFleet(scheduler, random, new Random(schedule.seed() * 7919 + 17), DbLatencies.defaults(),
        schedule.writeRate());
    this.leases = new LeaseClock(scheduler, () -> { });
    this.checker = new InvariantChecker(this);
    this.watchedKeys = Set.of(keys.leader(), keys.config(), keys.failover(), keys.initialize(), keys.sync());
    fleet.listener(checker::becameWritable);
    scheduler.beforeEach(fleet::settle);
    for (int i = 0; i < schedule.members(); i++) {
      String name = "pg" + i;
      SimDatabase db = fleet.add(name, 10 + random.nextInt(490));
      agents.put(name, new SimNode(name, this, haConfig(name), db, engine));
    }
  }

  private HaConfig haConfig(String name) {
    Timings t = schedule.timings();
    Map<String, Object> dynamic = new LinkedHashMap<>();
    dynamic.put("ttl", t.ttl().getSeconds());
    dynamic.put("loop_wait", t.loopWait().getSeconds());
    dynamic.put("retry_timeout", t.retryTimeout().getSeconds());
    dynamic.put("maximum_lag_on_failover", schedule.maximumLagOnFailover());
    dynamic.put("postgresql", Map.of("use_pg_rewind", true));
    if (schedule.failsafe()) {
      dynamic.put("failsafe_mode", true);
    }
    if (schedule.sync() != Schedule.Sync.OFF) {
      dynamic.put("synchronous_mode", true);
      dynamic.put("synchronous_mode_strict", schedule.sync() == Schedule.Sync.STRICT);
      dynamic.put("synchronous_node_count", schedule.syncNodeCount());
      dynamic.put("maximum_lag_on_syncnode", schedule.maximumLagOnSyncnode());
    }
    return new HaConfig(name, "postgres://" + name + ":5432/postgres", "http://" + name + ":8008/patroni", Tags.NONE,
        "primus-sim", true, new DynamicConfig(dynamic), true, true);
  }

  /** Starts every agent within the first second, in a random order. */
  void start() {
    for (SimNode a : agents.values()) {
      a.start(Duration.ofMillis(random.nextInt(1000)));
    }
    afterEvent();
  }

  /**
   * Runs events up to {@code until}, checking the invariants after each; stops after a violation. Virtual
   * time must move: {@link #SAME_INSTANT_MAX} events at one instant is a livelock (an agent spinning on an
   * action that fails at once, which in production would burn a CPU), reported as a violation.
   */
  void runUntil(Instant until) {
    Instant instant = null;
    int atInstant = 0;
    while (!violations.any() && scheduler.runNext(until) != null) {
      events++;
      if (scheduler.now().equals(instant)) {
        if (++atInstant > SAME_INSTANT_MAX) {
          violations.report(0, "livelock: " + SAME_INSTANT_MAX + " events at " + instant + " without time moving");
        }
      } else {
        instant = scheduler.now();
        atInstant = 0;
      }
      afterEvent();
    }
    if (!violations.any() && scheduler.now().isBefore(until)) {
      scheduler.clock().set(until);
      fleet.settle();
      afterEvent();
    }
  }

  private void afterEvent() {
    // Most events change nothing in the store; reuse the last look at it then.
    dcs.expireLeases();
    long revision = dcs.revision();
    if (lastLook == null || revision != lastLookRevision) {
      lastLook = dcs.peek(keys.base());
      lastLookRevision = revision;
      fireWatches(lastLook);
    }
    checker.afterEvent(lastLook);
  }

  /**
   * The DCS watch: when the leader, config, failover, initialize or sync key changed, every agent's watch
   * reports which, {@link #WATCH_DELAY} later (member keys and status change all the time; the agent does not
   * wake for them, so they are left out here to spare the event queue).
   */
  private void fireWatches(Snapshot s) {
    java.util.Map<String, String> now = new java.util.HashMap<>();
    for (KeyValue kv : s.entries()) {
      if (watchedKeys.contains(kv.key())) {
        now.put(kv.key().substring(keys.base().length()), kv.version() + "=" + kv.value());
      }
    }
    java.util.Set<String> changed = new java.util.HashSet<>();
    now.forEach((k, v) -> {
      if (!v.equals(watchedSeen.get(k))) {
        changed.add(k);
      }
    });
    watchedSeen.keySet().stream().filter(k -> !now.containsKey(k)).forEach(changed::add);
    watchedSeen.clear();
    watchedSeen.putAll(now);
    if (!changed.isEmpty()) {
      java.util.Set<String> keysChanged = java.util.Set.copyOf(changed);
      for (SimNode a : agents.values()) {
        scheduler.after(WATCH_DELAY, a.name() + " watch", () -> a.watchFired(keysChanged));
      }
    }
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Cuts a node off from the DCS and from the other agents' REST calls (streaming goes on). */
  void isolate(String name, boolean cut) {
    if (cut) {
      isolated.add(name);
    } else {
      isolated.remove(name);
    }
    SimNode a = agents.get(name);
    if (a.alive()) {
      a.client().setReachable(!cut && !cutFromDcs.contains(name));
    }
    trace(name, cut ? "cut off from the DCS and the other agents" : "reconnected");
  }

  /** Cuts a node off from the DCS alone (its REST API and the others' stay reachable). */
  void cutFromDcs(String name, boolean cut) {
    if (cut) {
      cutFromDcs.add(name);
    } else {
      cutFromDcs.remove(name);
    }
    SimNode a = agents.get(name);
    if (a.alive()) {
      a.client().setReachable(!cut && !isolated.contains(name));
    }
    trace(name, cut ? "cut off from the DCS only" : "reaches the DCS again");
  }

  /** Applies the node's network state to a new connection (an agent restarted while cut off). */
  void connected(SimNode a) {
    a.client().setReachable(!isolated.contains(a.name()) && !cutFromDcs.contains(a.name()));
  }

  void dcsAvailable(boolean up) {
    dcs.setAvailable(up);
    if (up) {
      leases.dcsRestored();
    }
    trace("DCS", up ? "DCS available again" : "DCS OUTAGE");
  }

  void paused(boolean p) {
    paused = p;
  }

  boolean paused() {
    return paused;
  }

  // ---- what agents ask of the world ---------------------------------------------------------

  boolean reachable(SimNode a) {
    return dcs.isAvailable() && !isolated.contains(a.name()) && !cutFromDcs.contains(a.name());
  }

  boolean isolated(String name) {
    return isolated.contains(name);
  }

  /**
   * {@code asker} fences {@code target}'s database through the network: nothing when either is cut off (a
   * DCS-only cut does not matter) or the target does not run; a frozen or dead agent does not matter, its
   * server answers.
   */
  dev.primus.ha.driver.FenceResult fence(String asker, String target) {
    SimNode t = agents.get(target);
    dev.primus.ha.driver.FenceResult r;
    if (t == null) {
      r = dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, "no such member");
    } else if (isolated.contains(asker) || isolated.contains(target)) {
      r = dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE, "timed out");
    } else {
      r = t.database().fence(asker);
    }
    trace(asker, "fence " + target + ": " + r.outcome() + " (" + r.detail() + ")");
    return r;
  }

  boolean cutFromDcs(String name) {
    return cutFromDcs.contains(name);
  }

  /**
   * POST /failsafe from {@code asker} to each named member, answered as Patroni's REST API does: a running
   * primary refuses (500), anyone else remembers the sender and accepts with its WAL position. Nothing
   * from a dead, frozen or cut-off node, or when the asker is cut off (a DCS-only cut does not matter).
   */
  Map<String, FailsafeAnswer> askFailsafe(SimNode asker, Map<String, String> members) {
    Map<String, FailsafeAnswer> out = new LinkedHashMap<>();
    for (String n : members.keySet()) {
      SimNode p = agents.get(n);
      if (p == null) {
        out.put(n, new FailsafeAnswer.Refused("no such member"));
      } else if (isolated.contains(asker.name()) || !p.alive() || p.frozen() || isolated.contains(n)) {
        out.put(n, new FailsafeAnswer.Refused("timed out"));
      } else if (p.database().role().filter(r -> r == dev.primus.ha.DatabaseRole.PRIMARY).isPresent()
          && p.database().process() == SimDatabase.Process.RUNNING) {
        out.put(n, new FailsafeAnswer.Refused("500 Running as a leader"));
      } else {
        // What its REST API answers: the agent's own reply, from what it last saw of its database.
        out.put(n, p.failsafe(new FailsafeNotice(asker.name(), asker.config().apiUrl(), asker.config().connUrl(), now())));
      }
    }
    return out;
  }

  /**
   * GET /patroni of each named member, answered from its real state: no answer from a dead, frozen or
   * cut-off node, or when the asker is cut off.
   */
  Map<String, PeerAnswer> queryPeers(SimNode asker, List<String> names) {
    Map<String, PeerAnswer> out = new LinkedHashMap<>();
    for (String n : names) {
      SimNode p = agents.get(n);
      if (p == null) {
        out.put(n, new PeerAnswer.NoAnswer("no such member"));
      } else if (isolated.contains(asker.name()) || !p.alive() || p.frozen() || isolated.contains(n)) {
        out.put(n, new PeerAnswer.NoAnswer("timed out"));
      } else {
        out.put(n, new PeerAnswer.Answered(peerStatus(p)));
      }
    }
    return out;
  }

  private static PeerStatus peerStatus(SimNode p) {
    SimDatabase db = p.database();
    boolean primary = db.role().filter(r -> r == dev.primus.ha.DatabaseRole.PRIMARY).isPresent()
        && (db.process() == SimDatabase.Process.RUNNING || db.process() == SimDatabase.Process.STOPPING);
    boolean up = db.isRunning();
    Tags tags = p.config().tags();
    return new PeerStatus(!primary, up ? db.position() : 0, up ? db.lineage().timeline() : 0, tags.noFailover(),
        tags.failoverPriority(), false);
  }

  void longActionIssued(SimNode a, Action action) {
    checker.longActionIssued(a, action);
  }

  // ---- accessors ----------------------------------------------------------------------------

  Schedule schedule() {
    return schedule;
  }

  private final java.util.Map<String, Integer> tally = new java.util.TreeMap<>();

  /** Counts one occurrence of {@code what}, for the run's figures. */
  void count(String what) {
    tally.merge(what, 1, Integer::sum);
  }

  /** What was counted ({@link #count}), with the database fleet's and the checker's own figures. */
  java.util.Map<String, Integer> tally() {
    java.util.Map<String, Integer> all = new java.util.TreeMap<>(tally);
    all.put("hung shutdowns", fleet.hungShutdowns());
    all.put("escalated stops", fleet.escalatedStops());
    all.put("namesake branches", checker.namesakeBranches());
    return all;
  }

  Random random() {
    return random;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  Instant now() {
    return scheduler.now();
  }

  Timings timings() {
    return schedule.timings();
  }

  InMemoryDcs dcs() {
    return dcs;
  }

  ClusterPath path() {
    return path;
  }

  Keys keys() {
    return keys;
  }

  Violations violations() {
    return violations;
  }

  LeaseClock leases() {
    return leases;
  }

  DatabaseFleet fleet() {
    return fleet;
  }

  Collection<SimNode> agents() {
    return agents.values();
  }

  SimNode agent(String name) {
    return agents.get(name);
  }

  Trace traceLog() {
    return trace;
  }

  long events() {
    return events;
  }

  /** Simulated time since the start. */
  Duration elapsed() {
    return Duration.between(origin, scheduler.now());
  }

  InvariantChecker checker() {
    return checker;
  }

  void trace(String who, Object what) {
    trace.add(scheduler.now(), who, what);
  }

  /** The member whose name the leader key holds now, as the store has it. */
  Optional<String> lockHolder() {
    return dcs.peek(keys.leader()).get(keys.leader()).map(KeyValue::value);
  }

  /** One line per member: agent and database state. */
  String describe() {
    StringBuilder b = new StringBuilder();
    for (SimNode a : agents.values()) {
      b.append("    ").append(a).append(isolated.contains(a.name()) ? " ISOLATED" : "")
          .append(cutFromDcs.contains(a.name()) ? " CUT FROM DCS" : "")
          .append(a.watchdog().active() ? " watchdog-armed" : "").append('\n');
    }
    b.append("    leader key: ").append(lockHolder().orElse("(none)")).append(", DCS ")
        .append(dcs.isAvailable() ? "up" : "DOWN").append(paused ? ", paused" : "");
    return b.toString();
  }
}
