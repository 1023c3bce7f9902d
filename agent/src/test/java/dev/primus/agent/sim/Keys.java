package dev.primus.agent.sim;

import dev.primus.dcs.layout.ClusterPath;

/**
 * The cluster's full key names, computed once: the simulator looks at them after every event, and
 * {@link ClusterPath} builds them afresh on every call.
 */
record Keys(String base, String leader, String config, String failover, String initialize, String status,
    String sync) {
  static Keys of(ClusterPath p) {
    return new Keys(p.base(), p.leader(), p.config(), p.failover(), p.initialize(), p.status(), p.sync());
  }
}
