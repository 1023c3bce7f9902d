package dev.primus.runner.rest;

/**
 * Where the REST API gets what it reports: the agent publishes a new status after every cycle, and the
 * server reads the latest ({@link NodeStatus#of}).
 */
@FunctionalInterface
public interface NodeStatusSource {

  /** The latest status. Must not block or do I/O: health checks call it on every request. */
  NodeStatus current();
}
