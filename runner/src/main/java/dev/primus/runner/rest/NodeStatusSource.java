package dev.primus.runner.rest;

/**
 * Where the REST API gets what it reports: the agent publishes a new status after every cycle
 * ({@link #current()}), and can look at the database again between cycles ({@link #live()}).
 */
@FunctionalInterface
public interface NodeStatusSource {

  /** The latest status. Must not block or do I/O: it serves every request that needs no fresh look. */
  NodeStatus current();

  /**
   * The latest status with the database looked at again, a look shared by the requests of a short while:
   * what health checks and {@code GET /patroni} answer from, since PostgreSQL may have stopped since the
   * last cycle (Patroni queries it on each such request). May block, briefly and within a bound; falls
   * back to {@link #current()}. The default is {@link #current()}, for a source that cannot look.
   */
  default NodeStatus live() {
    return current();
  }

  /**
   * How long the HA loop's cycles took and how late they began ({@code primus_loop_cycle_seconds} and
   * {@code primus_loop_cycle_delay_seconds} in {@code GET /metrics}); empty for a source without a loop.
   */
  default java.util.Optional<dev.primus.agent.LoopTimes.Snapshot> loopTimes() {
    return java.util.Optional.empty();
  }
}
