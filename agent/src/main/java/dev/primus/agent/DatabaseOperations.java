package dev.primus.agent;

import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The database as the agent's executor drives it: every operation of {@link DatabaseDriver}, started now
 * and finished when the returned stage completes, with the outcome the engine learns from. The agent
 * wraps a driver into this itself ({@link PrimusAgent.Builder#database(DatabaseDriver)}); a simulator
 * implements it directly over a simulated database whose operations take simulated time.
 *
 * <p>The agent calls at most one mutating operation at a time ({@link #probe()} may come at any time).
 * A stage never completes exceptionally: a failure is an {@link ActionOutcome.Failed} saying why.
 */
public interface DatabaseOperations extends AutoCloseable {

  /** {@link DatabaseDriver#probe()}. */
  CompletionStage<LocalState> probe();

  /**
   * {@link DatabaseDriver#liveness(Duration)}: may come at any time, concurrently with anything. The default
   * reads it off a {@link #probe()}.
   */
  default CompletionStage<DatabaseLiveness> liveness(Duration timeout) {
    return probe().thenApply(DatabaseLiveness::of);
  }

  CompletionStage<ActionOutcome> bootstrap();

  CompletionStage<ActionOutcome> createReplica(Upstream source);

  /** {@link DatabaseDriver#canCreateReplicaWithoutLeader()}; asked once, when the agent is built. */
  default boolean canCreateReplicaWithoutLeader() {
    return false;
  }

  /** {@link DatabaseDriver#createReplicaWithoutLeader()}; the default fails, as a driver without the facet does. */
  default CompletionStage<ActionOutcome> createReplicaWithoutLeader() {
    return java.util.concurrent.CompletableFuture.completedFuture(
        new ActionOutcome.Failed("the database cannot build a replica without a member to copy from"));
  }

  CompletionStage<ActionOutcome> start(DatabaseRole role, Optional<Upstream> upstream, Duration timeout);

  CompletionStage<ActionOutcome> stop(StopMode mode, Duration timeout);

  /**
   * A demotion's stop, bounded ({@link dev.primus.ha.driver.DatabaseDriver#stopWithin}): {@code mode} for
   * half of {@code bound}, then immediate, then SIGKILL at the bound. The default escalates to immediate
   * after half the bound, as {@link #stop} does after its timeout.
   */
  default CompletionStage<ActionOutcome> stopWithin(StopMode mode, Duration bound) {
    return stop(mode, bound.dividedBy(2));
  }

  CompletionStage<ActionOutcome> restart(Duration timeout);

  CompletionStage<ActionOutcome> promote(Duration timeout);

  CompletionStage<ActionOutcome> follow(Upstream upstream, Duration timeout);

  CompletionStage<ActionOutcome> rewind(Upstream source);

  CompletionStage<ActionOutcome> reinitialize(Upstream source);

  CompletionStage<ActionOutcome> reload();

  CompletionStage<ActionOutcome> checkpoint();

  CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots);

  /**
   * {@link DatabaseDriver#ensureSlots(Set, Map, Map)}. The default does the first part and fails if there is
   * anything to advance, as a driver without logical slots on replicas does.
   */
  default CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots,
      Map<String, Long> advance) {
    if (advance.isEmpty()) {
      return ensureSlots(memberSlots, permanentSlots);
    }
    return java.util.concurrent.CompletableFuture.completedFuture(
        new ActionOutcome.Failed("this database cannot advance logical replication slots " + advance.keySet()));
  }

  /**
   * {@link DatabaseDriver#copyLogicalSlots}: long (the replica restarts). The default fails, as a driver without
   * logical slots on replicas does.
   */
  default CompletionStage<ActionOutcome> copyLogicalSlots(Upstream source, Map<String, Object> slots, Duration timeout) {
    return java.util.concurrent.CompletableFuture.completedFuture(
        new ActionOutcome.Failed("this database cannot copy logical replication slots to a replica"));
  }

  /**
   * {@link DatabaseDriver#fenceFormerPrimary}: best effort, completes with what was done and never fails (an
   * error is a {@link dev.primus.ha.driver.FenceResult.Outcome#FAILED} result). Runs off the lanes: it waits for
   * a remote server. The default fences nothing, as a driver without the facet does.
   */
  default CompletionStage<dev.primus.ha.driver.FenceResult> fenceFormerPrimary(Upstream former, String fencer,
      Duration timeout) {
    return java.util.concurrent.CompletableFuture.completedFuture(dev.primus.ha.driver.FenceResult.of(
        dev.primus.ha.driver.FenceResult.Outcome.NOT_SUPPORTED, "this database cannot fence a former primary"));
  }

  CompletionStage<ActionOutcome> setSynchronousStandbys(List<String> members, int count, boolean quorum);

  CompletionStage<ActionOutcome> clearSynchronousStandbys();

  /** {@link DatabaseDriver#applyParameters(Map, Optional)}. */
  CompletionStage<ActionOutcome> applyParameters(Map<String, Object> dynamic, Optional<Map<String, Object>> local);

  /** Releases what the driver holds (connections); stops nothing. */
  @Override
  void close();
}
