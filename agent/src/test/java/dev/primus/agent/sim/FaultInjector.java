package dev.primus.agent.sim;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Draws faults from the schedule's random source and applies them, with quiet periods in between:
 * killed nodes (back later with their data directory), frozen agents (their database runs on), nodes
 * cut off from the DCS, whole-DCS outages, database crashes, switchover and failover requests,
 * pause/resume, and changes of the write load. Faults may overlap. None is injected before the
 * cluster has bootstrapped (a half-done bootstrap is a different subject).
 *
 * <p>One hazard is left out on purpose, the pause hazard: a switchover or failover request while the
 * cluster is paused (or a pause while one is pending). In maintenance mode the watchdog is off and the primary
 * runs on without its lock, so if its agent is frozen or cut off, the named candidate promotes while
 * the old primary still takes writes: Patroni does the same, and fencing is the operator's job then.
 * No engine can see a frozen primary from outside, so this would test the operator, not the engine.
 * For the same reason the operator does not resume while the primary's agent is frozen or cut off
 * (see {@link #resume}), and the primary's agent is not frozen or cut off from the pause until it has
 * had a cycle after the resume to arm its watchdog again ({@link #unfencedByPause}), unless
 * {@code -Dprimus.sim.pauseHazards=true}.
 */
final class FaultInjector {

  /** The kinds of fault, with their relative weights. */
  enum Kind {
    KILL(3), FREEZE(3), CUT(3), OUTAGE(1), DB_CRASH(2), SWITCHOVER(2), FAILOVER(1), PAUSE(1), WRITE_LOAD(1);

    final int weight;

    Kind(int weight) {
      this.weight = weight;
    }
  }

  /** Let the operator resume a cluster whose primary's agent is frozen or cut off (a known hazard). */
  static final boolean PAUSE_HAZARDS = Boolean.getBoolean("primus.sim.pauseHazards");

  private final SimCluster world;
  private final Random random;
  private final Operator operator;
  private final Duration ttl;
  private final Map<Kind, Integer> applied = new EnumMap<>(Kind.class);
  private final List<Applied> log = new ArrayList<>();
  private final Set<Integer> skipped;
  private int drawn;
  private Instant resumedAt;

  FaultInjector(SimCluster world) {
    this(world, Set.of());
  }

  /** An injector that draws every fault but applies none whose index is in {@code skipped}. */
  FaultInjector(SimCluster world, Set<Integer> skipped) {
    this.skipped = Set.copyOf(skipped);
    this.world = world;
    this.random = world.random();
    this.operator = new Operator(world);
    this.ttl = world.timings().ttl();
  }

  Map<Kind, Integer> applied() {
    return Map.copyOf(applied);
  }

  /** Every fault applied so far, in order. */
  List<Applied> log() {
    return List.copyOf(log);
  }

  Operator operator() {
    return operator;
  }

  /** Starts injecting once the cluster has a primary and every database runs, or after 3 minutes. */
  void begin() {
    world.scheduler().after(Duration.ofSeconds(5), "faults: warm-up check", this::warmUp);
  }

  private void warmUp() {
    boolean ready = world.fleet().all().stream().allMatch(SimDatabase::isRunning)
        && world.fleet().all().stream().anyMatch(SimDatabase::isWritablePrimary);
    if (ready || world.elapsed().compareTo(Duration.ofMinutes(3)) > 0) {
      scheduleNext();
    } else {
      world.scheduler().after(Duration.ofSeconds(5), "faults: warm-up check", this::warmUp);
    }
  }

  private void scheduleNext() {
    Duration quiet = between(ttl.dividedBy(2), ttl.multipliedBy(4)).plusSeconds(5);
    world.scheduler().after(quiet, "fault", () -> {
      int index = drawn++;
      Kind kind = draw();
      Optional<Fault> f = plan(kind);
      if (f.isPresent()) {
        if (skipped.contains(index)) {
          world.trace("FAULT", "#" + index + " skipped: " + f.get().what());
        } else {
          applied.merge(kind, 1, Integer::sum);
          log.add(new Applied(index, world.now(), f.get().what()));
          world.trace("FAULT", "#" + index + " " + f.get().what());
          f.get().effect().run();
        }
      }
      scheduleNext();
    });
  }

  private Kind draw() {
    int total = 0;
    for (Kind k : Kind.values()) {
      total += k.weight;
    }
    int x = random.nextInt(total);
    for (Kind k : Kind.values()) {
      x -= k.weight;
      if (x < 0) {
        return k;
      }
    }
    throw new AssertionError();
  }

  /** A fault with its parameters drawn, not yet applied. */
  record Fault(String what, Runnable effect) {}

  /** A fault that was applied: its index in the schedule's sequence of drawn faults, when, and what. */
  record Applied(int index, Instant at, String what) {}

  /** Applies one fault of this kind now (and schedules its end); for tests. */
  void apply(Kind kind) {
    plan(kind).ifPresent(f -> {
      applied.merge(kind, 1, Integer::sum);
      world.trace("FAULT", f.what());
      f.effect().run();
    });
  }

  /**
   * Draws a fault's parameters (always the same draws for the same world, whether or not it is then
   * applied, so skipping a fault while minimising a failure disturbs the random sequence little).
   * Empty when there is nothing to do (no leader to switch over from, a freeze without a watchdog).
   */
  private Optional<Fault> plan(Kind kind) {
    switch (kind) {
      case KILL: {
        SimNode a = target();
        Duration d = between(Duration.ofSeconds(5), ttl.multipliedBy(4).plusSeconds(30));
        return fault("kill " + a.name() + " for " + d.toMillis() + " ms", () -> kill(a, d));
      }
      case FREEZE: {
        if (!world.schedule().watchdog()) {
          return Optional.empty(); // nothing would fence a frozen primary: that tests the configuration
        }
        SimNode a = target();
        Duration d = between(Duration.ofSeconds(1), ttl.multipliedBy(5).dividedBy(2));
        boolean afterDecision = random.nextInt(3) == 0;
        if (unfencedByPause(a)) {
          return Optional.empty();
        }
        if (afterDecision) {
          return fault("freeze " + a.name() + " for " + d.toMillis() + " ms after its next decision",
              () -> a.freezeAfterNextDecision(d));
        }
        return fault("freeze " + a.name() + " for " + d.toMillis() + " ms", () -> a.freeze(d));
      }
      case CUT: {
        SimNode a = target();
        Duration d = between(Duration.ofSeconds(1), ttl.multipliedBy(3));
        if (unfencedByPause(a)) {
          return Optional.empty();
        }
        // With failsafe_mode, half the cuts take the node off the DCS alone: the case failsafe is for (the
        // others still reach its REST API). Drawn only in those schedules, so the others' draws stay.
        if (world.schedule().failsafe() && random.nextBoolean()) {
          return fault("cut " + a.name() + " off the DCS only for " + d.toMillis() + " ms", () -> cutFromDcs(a, d));
        }
        return fault("cut " + a.name() + " off for " + d.toMillis() + " ms", () -> cut(a, d));
      }
      case OUTAGE: {
        Duration d = between(Duration.ofSeconds(1), ttl.multipliedBy(3));
        return fault("DCS outage for " + d.toMillis() + " ms", () -> outage(d));
      }
      case DB_CRASH: {
        SimNode a = target();
        return fault(a.name() + " database crashes", () -> {
          if (a.database().isRunning()) {
            a.database().crash("postmaster crashed");
          }
        });
      }
      case SWITCHOVER: {
        Optional<String> leader = world.lockHolder();
        if (leader.isEmpty() || world.paused()) {
          return Optional.empty();
        }
        String candidate = other(leader.get());
        Optional<OffsetDateTime> at =
            random.nextInt(5) == 0 ? Operator.scheduledAt(world, 5 + random.nextInt(60)) : Optional.empty();
        return fault("switchover request " + leader.get() + " -> " + candidate + at.map(t -> " at " + t).orElse(""),
            () -> operator.switchover(candidate, at));
      }
      case FAILOVER: {
        String candidate = randomAgent().name();
        if (world.paused()) {
          return Optional.empty();
        }
        return fault("failover request to " + candidate, () -> operator.failover(candidate));
      }
      case PAUSE: {
        Duration d = between(Duration.ofSeconds(10), Duration.ofMinutes(5));
        if (pendingFailover()) {
          return Optional.empty();
        }
        return fault("pause for " + d.toSeconds() + " s", () -> {
          if (operator.pause(true)) {
            world.scheduler().after(d, "resume", this::resume);
          }
        });
      }
      case WRITE_LOAD: {
        long rate = Schedule.drawWriteRate(random);
        return fault("application writes " + rate + " B/s", () -> world.fleet().writeRate(rate));
      }
      default:
        throw new AssertionError(kind);
    }
  }

  private static Optional<Fault> fault(String what, Runnable effect) {
    return Optional.of(new Fault(what, effect));
  }

  /**
   * Whether {@code a} runs a primary that maintenance mode left without a fence: from the pause until
   * its agent has had a cycle after the resume to arm the watchdog again. Freezing or cutting it off
   * then is the pause hazard (see the class comment), so it is not done unless
   * {@code -Dprimus.sim.pauseHazards=true}.
   */
  private boolean unfencedByPause(SimNode a) {
    if (PAUSE_HAZARDS || !a.database().isWritablePrimary()) {
      return false;
    }
    Duration settle = world.timings().loopWait().plus(world.timings().retryTimeout());
    return world.paused() || resumedAt != null && world.now().isBefore(resumedAt.plus(settle));
  }

  private boolean pendingFailover() {
    return world.dcs().peek(world.keys().failover()).get(world.keys().failover())
        .map(kv -> !kv.value().equals("{}")).orElse(false);
  }

  /**
   * Resumes, unless a member runs a primary while its agent is frozen or cut off, or without holding the
   * leader key: that member may not learn of the resume in time, runs on without its lock, and is not
   * fenced (the watchdog is off in pause), so the others would promote beside it. The operator waits
   * for the primary to hold the lock again, as {@code patronictl list} would show it. With
   * {@code -Dprimus.sim.pauseHazards=true} it does not wait (Patroni has the same hole).
   */
  private void resume() {
    Optional<String> holder = world.lockHolder();
    boolean leaderUnresponsive = world.agents().stream().anyMatch(a -> a.database().isWritablePrimary()
        && (a.frozen() || world.isolated(a.name()) || world.cutFromDcs(a.name()) || !holder.equals(Optional.of(a.name()))));
    if (leaderUnresponsive && !PAUSE_HAZARDS) {
      world.trace("ctl", "resume postponed: the primary's agent does not respond");
      world.scheduler().after(Duration.ofSeconds(10), "resume", this::resume);
      return;
    }
    if (operator.pause(false)) {
      resumedAt = world.now();
    } else {
      // The DCS is down or the config moved: the operator tries again.
      world.scheduler().after(Duration.ofSeconds(10), "resume", this::resume);
    }
  }

  void kill(SimNode a, Duration down) {
    if (!a.alive()) {
      return;
    }
    a.kill();
    world.scheduler().after(down, a.name() + " boots", () -> {
      if (!a.alive()) {
        a.start(Duration.ZERO);
      }
    });
  }

  void cut(SimNode a, Duration d) {
    if (world.isolated(a.name())) {
      return;
    }
    world.isolate(a.name(), true);
    world.scheduler().after(d, a.name() + " reconnects", () -> world.isolate(a.name(), false));
  }

  void cutFromDcs(SimNode a, Duration d) {
    if (world.cutFromDcs(a.name())) {
      return;
    }
    world.cutFromDcs(a.name(), true);
    world.scheduler().after(d, a.name() + " reaches the DCS again", () -> world.cutFromDcs(a.name(), false));
  }

  void outage(Duration d) {
    if (!world.dcs().isAvailable()) {
      return;
    }
    world.dcsAvailable(false);
    world.scheduler().after(d, "DCS back", () -> world.dcsAvailable(true));
  }

  /** Half the time the lock holder (the interesting victim), else anyone. */
  private SimNode target() {
    Optional<String> leader = world.lockHolder();
    if (leader.isPresent() && random.nextBoolean() && world.agent(leader.get()) != null) {
      return world.agent(leader.get());
    }
    return randomAgent();
  }

  private SimNode randomAgent() {
    List<SimNode> all = new ArrayList<>(world.agents());
    return all.get(random.nextInt(all.size()));
  }

  private String other(String name) {
    List<String> others = new ArrayList<>();
    for (SimNode a : world.agents()) {
      if (!a.name().equals(name)) {
        others.add(a.name());
      }
    }
    return others.isEmpty() ? name : others.get(random.nextInt(others.size()));
  }

  private Duration between(Duration min, Duration max) {
    long lo = min.toMillis();
    long hi = Math.max(lo, max.toMillis());
    return Duration.ofMillis(lo + (hi > lo ? (long) (random.nextDouble() * (hi - lo)) : 0));
  }
}
