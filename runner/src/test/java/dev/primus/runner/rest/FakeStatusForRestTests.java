package dev.primus.runner.rest;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * A test double of {@link NodeStatusSource} for the REST layer only: it returns whatever status the
 * test put in. It stands in for the HA loop, which is tested elsewhere.
 */
final class FakeStatusForRestTests implements NodeStatusSource {
  private final AtomicReference<NodeStatus> status;

  FakeStatusForRestTests(NodeStatus initial) {
    this.status = new AtomicReference<>(initial);
  }

  void set(NodeStatus s) {
    status.set(s);
  }

  void update(UnaryOperator<NodeStatus> change) {
    status.updateAndGet(change);
  }

  @Override
  public NodeStatus current() {
    return status.get();
  }
}
