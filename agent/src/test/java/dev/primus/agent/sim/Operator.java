package dev.primus.agent.sim;

import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The operator's side: what {@code POST /switchover}, {@code POST /failover} and
 * {@code PATCH /config {"pause": ...}} write into the DCS, through the real layout on a connection of
 * its own. Like the REST API it refuses when the DCS cannot be reached, and like Patroni's API it checks
 * that a switchover names the current leader.
 */
final class Operator {
  private final SimCluster world;
  private final PatroniDcs dcs;

  Operator(SimCluster world) {
    this.world = world;
    this.dcs = new PatroniDcs(world.dcs().client("ctl"), world.path(), "ctl", world.timings().ttl());
  }

  /** A switchover from the current leader to {@code candidate}, optionally scheduled. */
  boolean switchover(String candidate, Optional<OffsetDateTime> at) {
    try {
      ClusterView v = dcs.read();
      if (v.leader().isEmpty()) {
        world.trace("ctl", "switchover refused: no leader");
        return false;
      }
      FailoverRequest r = new FailoverRequest(Optional.of(v.leader().get().holder()), Optional.of(candidate), at);
      return write(v, r, "switchover " + v.leader().get().holder() + " -> " + candidate
          + at.map(t -> " at " + t).orElse(""));
    } catch (DcsException e) {
      world.trace("ctl", "switchover refused: " + e.getMessage());
      return false;
    }
  }

  /** A failover to {@code candidate} (no leader named: allowed when the cluster is unhealthy). */
  boolean failover(String candidate) {
    try {
      ClusterView v = dcs.read();
      FailoverRequest r = new FailoverRequest(Optional.empty(), Optional.of(candidate), Optional.empty());
      return write(v, r, "failover to " + candidate);
    } catch (DcsException e) {
      world.trace("ctl", "failover refused: " + e.getMessage());
      return false;
    }
  }

  private boolean write(ClusterView v, FailoverRequest r, String what) throws DcsException {
    Optional<Long> version = v.failover().map(Versioned::version)
        .or(() -> v.invalidKey(world.keys().failover()).map(i -> i.version()));
    WriteResult w = dcs.writeFailover(r, version);
    world.trace("ctl", what + (w.succeeded() ? "" : " refused: " + w));
    return w.succeeded();
  }

  /** {@code patronictl pause} / {@code resume}: a CAS write of {@code config}. */
  boolean pause(boolean pause) {
    try {
      ClusterView v = dcs.read();
      if (v.config().isEmpty()) {
        return false;
      }
      Versioned<DynamicConfig> c = v.config().get();
      WriteResult w = dcs.writeConfig(c.value().with("pause", pause ? Boolean.TRUE : null), Optional.of(c.version()));
      world.trace("ctl", (pause ? "pause" : "resume") + (w.succeeded() ? "" : " refused: " + w));
      if (w.succeeded()) {
        world.paused(pause);
      }
      return w.succeeded();
    } catch (DcsException e) {
      world.trace("ctl", (pause ? "pause" : "resume") + " refused: " + e.getMessage());
      return false;
    }
  }

  static Optional<OffsetDateTime> scheduledAt(SimCluster world, long secondsAhead) {
    return Optional.of(OffsetDateTime.ofInstant(world.now().plusSeconds(secondsAhead), ZoneOffset.UTC));
  }
}
