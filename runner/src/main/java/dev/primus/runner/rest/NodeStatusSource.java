package dev.primus.runner.rest;

/**
 * Where the REST API gets what it reports: the HA loop publishes a new {@link NodeStatus} after every
 * cycle (and whenever the local database or the DCS view changes), and the server reads the latest.
 */
@FunctionalInterface
public interface NodeStatusSource {

  /** The latest status. Must not block or do I/O: health checks call it on every request. */
  NodeStatus current();
}
