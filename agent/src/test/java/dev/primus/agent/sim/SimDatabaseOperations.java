package dev.primus.agent.sim;

import dev.primus.agent.DatabaseOperations;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A {@link SimDatabase} as the agent's {@link DatabaseOperations}: each operation starts now and completes
 * when the simulated database calls back, after the simulated time it takes. Slots and parameters change
 * nothing the simulation models, and succeed.
 */
final class SimDatabaseOperations implements DatabaseOperations {
  private final SimDatabase db;
  private final java.util.function.Function<String, dev.primus.ha.driver.FenceResult> fencer;

  SimDatabaseOperations(SimDatabase db) {
    this(db, member -> dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.NOT_REACHABLE,
        "no network in this test"));
  }

  /** @param fencer fences the named member's database, as far as this node can reach it */
  SimDatabaseOperations(SimDatabase db, java.util.function.Function<String, dev.primus.ha.driver.FenceResult> fencer) {
    this.db = db;
    this.fencer = fencer;
  }

  @Override
  public CompletionStage<dev.primus.ha.driver.FenceResult> fenceFormerPrimary(Upstream former, String by,
      Duration timeout) {
    return CompletableFuture.completedFuture(fencer.apply(former.member()));
  }

  private static CompletionStage<ActionOutcome> async(Consumer<Consumer<ActionOutcome>> op) {
    CompletableFuture<ActionOutcome> f = new CompletableFuture<>();
    op.accept(f::complete);
    return f;
  }

  private static CompletionStage<ActionOutcome> now(ActionOutcome o) {
    return CompletableFuture.completedFuture(o);
  }

  @Override
  public CompletionStage<LocalState> probe() {
    return CompletableFuture.completedFuture(db.probe());
  }

  @Override
  public CompletionStage<ActionOutcome> bootstrap() {
    return async(db::bootstrap);
  }

  @Override
  public CompletionStage<ActionOutcome> createReplica(Upstream source) {
    return async(done -> db.createReplica(source.member(), done));
  }

  @Override
  public CompletionStage<ActionOutcome> start(DatabaseRole role, Optional<Upstream> upstream, Duration timeout) {
    return async(done -> db.start(role, upstream.map(Upstream::member), done));
  }

  @Override
  public CompletionStage<ActionOutcome> stop(StopMode mode, Duration timeout) {
    return async(done -> db.stop(mode, done));
  }

  /** A demotion's stop: it may hang (see {@link SimDatabase#stop(StopMode, boolean, Optional, Consumer)}) until escalated. */
  @Override
  public CompletionStage<ActionOutcome> stopWithin(StopMode mode, Duration bound) {
    Duration escalateAfter = mode == StopMode.IMMEDIATE ? bound : bound.dividedBy(2);
    return async(done -> db.stop(mode, true, Optional.of(escalateAfter), done));
  }

  @Override
  public CompletionStage<ActionOutcome> restart(Duration timeout) {
    return async(db::restart);
  }

  @Override
  public CompletionStage<ActionOutcome> promote(Duration timeout) {
    return async(db::promote);
  }

  @Override
  public CompletionStage<ActionOutcome> follow(Upstream upstream, Duration timeout) {
    return async(done -> db.follow(upstream.member(), done));
  }

  @Override
  public CompletionStage<ActionOutcome> rewind(Upstream source) {
    return async(done -> db.rewind(source.member(), done));
  }

  @Override
  public CompletionStage<ActionOutcome> reinitialize(Upstream source) {
    return async(done -> db.reinitialize(source.member(), done));
  }

  @Override
  public CompletionStage<ActionOutcome> reload() {
    return now(db.reload());
  }

  @Override
  public CompletionStage<ActionOutcome> checkpoint() {
    return now(db.checkpoint());
  }

  @Override
  public CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) {
    return now(new ActionOutcome.Succeeded());
  }

  @Override
  public CompletionStage<ActionOutcome> setSynchronousStandbys(List<String> members, int count, boolean quorum) {
    return now(db.setSynchronousStandbys(members, count));
  }

  @Override
  public CompletionStage<ActionOutcome> clearSynchronousStandbys() {
    return now(db.clearSynchronousStandbys());
  }

  @Override
  public CompletionStage<ActionOutcome> applyParameters(Map<String, Object> dynamic,
      Optional<Map<String, Object>> local) {
    return now(new ActionOutcome.Succeeded());
  }

  @Override
  public void close() {
    // The simulated database outlives its agent, as a real one does.
  }
}
