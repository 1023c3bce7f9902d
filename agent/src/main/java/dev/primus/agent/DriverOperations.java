package dev.primus.agent;

import dev.primus.ha.ActionOutcome;
import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.Upstream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A blocking {@link DatabaseDriver} as {@link DatabaseOperations}: the probe and the short operations run
 * through {@link AgentRuntime#call}, the long ones (base backup, start, stop, promote, rewind) through
 * {@link AgentRuntime#background}, so the agent keeps renewing its lock while they run. A
 * {@link DriverException} becomes a {@link ActionOutcome.Failed} with its kind and message, anything else
 * thrown a failure naming it.
 */
final class DriverOperations implements DatabaseOperations {
  private final DatabaseDriver driver;
  private final AgentRuntime runtime;

  DriverOperations(DatabaseDriver driver, AgentRuntime runtime) {
    this.driver = Objects.requireNonNull(driver, "driver");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
  }

  @FunctionalInterface
  private interface DriverCall {
    void run() throws DriverException;
  }

  private static Callable<ActionOutcome> outcome(DriverCall call) {
    return () -> {
      try {
        call.run();
        return new ActionOutcome.Succeeded();
      } catch (DriverException e) {
        return new ActionOutcome.Failed(e.kind() + ": " + e.getMessage());
      } catch (RuntimeException e) {
        return new ActionOutcome.Failed("the driver failed unexpectedly: " + e);
      }
    };
  }

  private CompletionStage<ActionOutcome> now(DriverCall call) {
    return runtime.call(outcome(call));
  }

  private CompletionStage<ActionOutcome> longRunning(DriverCall call) {
    return runtime.background(outcome(call));
  }

  @Override
  public CompletionStage<LocalState> probe() {
    return runtime.call(driver::probe);
  }

  @Override
  public CompletionStage<DatabaseLiveness> liveness(Duration timeout) {
    // Runs on the asking thread (a REST worker), never on a lane: a health check must not queue behind a cycle.
    try {
      return CompletableFuture.completedFuture(driver.liveness(timeout));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new DatabaseLiveness.Unknown("the driver failed: " + e));
    }
  }

  @Override
  public CompletionStage<ActionOutcome> bootstrap() {
    return longRunning(driver::bootstrap);
  }

  @Override
  public CompletionStage<ActionOutcome> createReplica(Upstream source) {
    return longRunning(() -> driver.createReplica(source));
  }

  @Override
  public boolean canCreateReplicaWithoutLeader() {
    return driver.canCreateReplicaWithoutLeader();
  }

  @Override
  public CompletionStage<ActionOutcome> createReplicaWithoutLeader() {
    return longRunning(driver::createReplicaWithoutLeader);
  }

  @Override
  public CompletionStage<ActionOutcome> start(DatabaseRole role, Optional<Upstream> upstream, Duration timeout) {
    return longRunning(() -> driver.start(role, upstream, timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> stop(StopMode mode, Duration timeout) {
    return longRunning(() -> driver.stop(mode, timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> stopWithin(StopMode mode, Duration bound) {
    return longRunning(() -> driver.stopWithin(mode, bound));
  }

  @Override
  public CompletionStage<ActionOutcome> restart(Duration timeout) {
    return longRunning(() -> driver.restart(timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> promote(Duration timeout) {
    return longRunning(() -> driver.promote(timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> follow(Upstream upstream, Duration timeout) {
    return longRunning(() -> driver.follow(upstream, timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> rewind(Upstream source) {
    return longRunning(() -> driver.rewind(source));
  }

  @Override
  public CompletionStage<ActionOutcome> reinitialize(Upstream source) {
    return longRunning(() -> driver.reinitialize(source));
  }

  @Override
  public CompletionStage<dev.primus.ha.driver.FenceResult> fenceFormerPrimary(Upstream former, String fencer,
      Duration timeout) {
    return runtime.background(() -> {
      try {
        return driver.fenceFormerPrimary(former, fencer, timeout);
      } catch (RuntimeException e) {
        return dev.primus.ha.driver.FenceResult.of(dev.primus.ha.driver.FenceResult.Outcome.FAILED,
            "the driver failed unexpectedly: " + e);
      }
    });
  }

  @Override
  public CompletionStage<ActionOutcome> reload() {
    return now(driver::reload);
  }

  @Override
  public CompletionStage<ActionOutcome> checkpoint() {
    // A checkpoint under load takes its time: it must not hold a lane's thread.
    return longRunning(driver::checkpoint);
  }

  @Override
  public CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots) {
    return now(() -> driver.ensureSlots(memberSlots, permanentSlots));
  }

  @Override
  public CompletionStage<ActionOutcome> ensureSlots(Set<String> memberSlots, Map<String, Object> permanentSlots,
      Map<String, Long> advance) {
    return now(() -> driver.ensureSlots(memberSlots, permanentSlots, advance));
  }

  @Override
  public CompletionStage<ActionOutcome> copyLogicalSlots(Upstream source, Map<String, Object> slots, Duration timeout) {
    return longRunning(() -> driver.copyLogicalSlots(source, slots, timeout));
  }

  @Override
  public CompletionStage<ActionOutcome> setSynchronousStandbys(List<String> members, int count, boolean quorum) {
    return now(() -> driver.setSynchronousStandbys(members, count, quorum));
  }

  @Override
  public CompletionStage<ActionOutcome> clearSynchronousStandbys() {
    return now(driver::clearSynchronousStandbys);
  }

  @Override
  public CompletionStage<ActionOutcome> applyParameters(Map<String, Object> dynamic,
      Optional<Map<String, Object>> local) {
    return now(() -> driver.applyParameters(dynamic, local));
  }

  @Override
  public void close() {
    driver.close();
  }
}
