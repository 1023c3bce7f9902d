package dev.primus.ha;

import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One member's point of view for one cycle: the DCS it sees, its database, its memory, what it runs, what
 * its peers answered, and its own settings. Defaults: an initialized, connected cluster with no leader,
 * a running streaming replica on timeline 1, a fresh memory, at {@link #T0}.
 */
final class Scenario {
  static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

  private final String name;
  private ClusterBuilder cluster = ClusterBuilder.cluster();
  private LocalBuilder local = LocalBuilder.runningReplica();
  private AgentMemory memory = AgentMemory.initial();
  private Optional<InProgress> inProgress = Optional.empty();
  private final Map<String, PeerAnswer> peers = new LinkedHashMap<>();
  private Tags tags = Tags.NONE;
  private boolean bootstrapAllowed = true;
  private DynamicConfig bootstrapDcs = DynamicConfig.EMPTY;
  private boolean removeOnRewindFailure;
  private boolean removeOnDiverged;
  private boolean replicaWithoutLeader;
  private boolean watchdog;
  private Instant now = T0;
  private Optional<FailsafeAnswers> failsafeAnswers = Optional.empty();
  private Optional<FailsafeNotice> failsafeReceived = Optional.empty();
  private final java.util.List<OperatorRequest> requests = new java.util.ArrayList<>();
  private boolean housekeepingDone = true;

  private Scenario(String name) {
    this.name = name;
  }

  static Scenario node(String name) {
    return new Scenario(name);
  }

  Scenario in(ClusterBuilder c) {
    cluster = c;
    return this;
  }

  Scenario with(LocalBuilder l) {
    local = l;
    return this;
  }

  Scenario memory(AgentMemory m) {
    memory = m;
    return this;
  }

  /** The memory of a member that last updated the lock successfully at {@code at}. */
  Scenario lockUpdatedAt(Instant at) {
    return memory(memory.record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), at));
  }

  /** Folds an outcome into the memory, as the runner would. */
  Scenario after(Action action, ActionOutcome outcome, Instant at) {
    return memory(memory.record(action, outcome, at));
  }

  Scenario running(Action action, Instant since) {
    inProgress = Optional.of(new InProgress(action, since));
    return this;
  }

  Scenario peer(String member, PeerStatus status) {
    peers.put(member, new PeerAnswer.Answered(status));
    return this;
  }

  Scenario unreachable(String member) {
    peers.put(member, new PeerAnswer.NoAnswer("timed out after 2 s"));
    return this;
  }

  Scenario failsafeAnswers(Instant askedAt, Map<String, FailsafeAnswer> answers) {
    failsafeAnswers = Optional.of(new FailsafeAnswers(askedAt, answers));
    return this;
  }

  Scenario failsafeReceived(String leader, Instant at) {
    failsafeReceived = Optional.of(new FailsafeNotice(leader, "http://" + leader + ":8008/patroni",
        "postgres://" + leader + ":5432/postgres", at));
    return this;
  }

  Scenario tags(Tags t) {
    tags = t;
    return this;
  }

  Scenario nofailover() {
    return tags(new Tags(true, false, false, Optional.empty(), false, false, 1, Map.of("nofailover", true)));
  }

  Scenario failoverPriority(int p) {
    return tags(new Tags(false, false, false, Optional.empty(), false, false, p, Map.of("failover_priority", p)));
  }

  Scenario replicateFrom(String member) {
    return tags(new Tags(false, false, false, Optional.of(member), false, false, 1, Map.of("replicatefrom", member)));
  }

  /** The driver can build a replica without a leader (a {@code no_leader} replica method). */
  Scenario replicaWithoutLeader() {
    replicaWithoutLeader = true;
    return this;
  }

  Scenario noBootstrap() {
    bootstrapAllowed = false;
    return this;
  }

  Scenario bootstrapDcs(Map<String, Object> values) {
    bootstrapDcs = new DynamicConfig(values);
    return this;
  }

  Scenario removeDataDirectoryOnRewindFailure() {
    removeOnRewindFailure = true;
    return this;
  }

  Scenario removeDataDirectoryOnDivergedTimelines() {
    removeOnDiverged = true;
    return this;
  }

  Scenario request(OperatorRequest r) {
    requests.add(r);
    return this;
  }

  /**
   * An agent that has just started: it has not sized its lease, applied its parameters or asserted its
   * slots yet. By default a scenario's agent has, so that the decisions under test are not mixed with
   * that housekeeping.
   */
  Scenario freshAgent() {
    housekeepingDone = false;
    return this;
  }

  Scenario at(Instant t) {
    now = t;
    return this;
  }

  Scenario later(Duration d) {
    now = now.plus(d);
    return this;
  }

  HaConfig config() {
    return new HaConfig(name, "postgres://" + name + ":5432/postgres", "http://" + name + ":8008/patroni", tags,
        "0.1.0", bootstrapAllowed, bootstrapDcs, removeOnRewindFailure, removeOnDiverged)
        .withReplicaWithoutLeader(replicaWithoutLeader)
        .withWatchdog(watchdog);
  }

  /** The member's agent runs with a watchdog device ({@code watchdog.mode} not off). */
  Scenario withWatchdog() {
    watchdog = true;
    return this;
  }

  Observation observation() {
    return new Observation(cluster.build(), local.build(), inProgress, peers, failsafeAnswers, failsafeReceived,
        requests);
  }

  /** The memory the decision is made with: the scenario's, with the housekeeping done unless {@link #freshAgent()}. */
  AgentMemory effectiveMemory() {
    if (!housekeepingDone) {
      return memory;
    }
    AgentMemory m = memory;
    for (Action a : HaEngine.decide(observation(), memory, config(), now).actions()) {
      if (a instanceof Action.ResizeLease || a instanceof Action.ApplyParameters || a instanceof Action.EnsureSlots) {
        m = m.record(a, new ActionOutcome.Succeeded(), now);
      }
    }
    return m;
  }

  Decision decide() {
    return HaEngine.decide(observation(), effectiveMemory(), config(), now);
  }

  // ---- peer answers ----------------------------------------------------------------------------------

  static PeerStatus replicaAnswer(long wal) {
    return new PeerStatus(true, wal, 1, false, 1, false);
  }

  static PeerStatus replicaAnswer(long wal, long timeline) {
    return new PeerStatus(true, wal, timeline, false, 1, false);
  }

  static PeerStatus replicaAnswerWithPriority(long wal, int priority) {
    return new PeerStatus(true, wal, 1, false, priority, false);
  }

  static PeerStatus primaryAnswer(long wal) {
    return new PeerStatus(false, wal, 1, false, 1, false);
  }
}
