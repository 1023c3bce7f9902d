package dev.primus.agent;

import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import java.time.Instant;
import java.util.Optional;

/**
 * Keeps the timeline of a running replica from going backwards between probes of one postmaster.
 *
 * <p>Why: the PostgreSQL driver reports a replica's timeline as its WAL receiver's {@code received_tli},
 * and, while no receiver runs, as the timeline of the last checkpoint in the control file. A replica
 * that followed its primary across a timeline switch by streaming has no restartpoint on the new
 * timeline yet, so the moment its receiver stops (its primary stopped: exactly the cycle in which a
 * switchover candidate promotes) the probe reports the old timeline. The engine then wrote the new
 * primary's {@code history} entry one timeline too low, which later hid a diverged member from the
 * rewind check. Recovery never moves to an earlier timeline within one postmaster's life, so the highest
 * timeline seen since the postmaster started is the right one; a new postmaster (a restart, a rewind)
 * starts over with what it reports.
 */
final class ReplicaTimeline {
  private Optional<Instant> postmasterStart = Optional.empty();
  private long highest;

  /** {@code probed}, with its timeline raised to the highest this postmaster reported as a replica. */
  LocalState apply(LocalState probed) {
    boolean runningReplica = probed.isRunning() && probed.role().orElse(null) == DatabaseRole.REPLICA
        && probed.postmasterStartTime().isPresent() && probed.timeline().isPresent();
    if (!runningReplica) {
      postmasterStart = Optional.empty();
      highest = 0;
      return probed;
    }
    long reported = probed.timeline().get();
    if (!probed.postmasterStartTime().equals(postmasterStart)) {
      postmasterStart = probed.postmasterStartTime();
      highest = reported;
      return probed;
    }
    if (reported >= highest) {
      highest = reported;
      return probed;
    }
    return new LocalState(probed.dataDirectory(), probed.systemIdentifier(), probed.process(), probed.role(),
        Optional.of(highest), probed.walPosition(), probed.receiveLsn(), probed.replayLsn(), probed.replication(),
        probed.upstream(), probed.cleanShutdown(), probed.pendingRestart(), probed.pendingRestartReason(),
        probed.postmasterStartTime(), probed.replicas(), probed.timelineHistory(), probed.serverVersion(),
        probed.synchronousStandbys(), probed.slots());
  }
}
