package dev.primus.runner.rest;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A test double of {@link NodeStatusSource} for the REST layer only: it returns whatever status the
 * test put in. It stands in for the HA loop, which is tested elsewhere. Its {@link #live()} is the same
 * status unless the test sets a fresher one ({@link #setLive}), as the agent's look at the database would.
 */
final class FakeStatusForRestTests implements NodeStatusSource {
  private final AtomicReference<NodeStatus> status;
  private final AtomicReference<Optional<NodeStatus>> live = new AtomicReference<>(Optional.empty());
  private final AtomicInteger liveCalls = new AtomicInteger();

  FakeStatusForRestTests(NodeStatus initial) {
    this.status = new AtomicReference<>(initial);
  }

  void set(NodeStatus s) {
    status.set(s);
  }

  void update(UnaryOperator<NodeStatus> change) {
    status.updateAndGet(change);
  }

  /** What {@link #live()} answers from now on: the status as a look at the database since the cycle shows it. */
  void setLive(NodeStatus s) {
    live.set(Optional.of(s));
  }

  /** How many requests asked for a fresh look. */
  int liveCalls() {
    return liveCalls.get();
  }

  @Override
  public NodeStatus current() {
    return status.get();
  }

  @Override
  public NodeStatus live() {
    liveCalls.incrementAndGet();
    return live.get().orElseGet(status::get);
  }
}
