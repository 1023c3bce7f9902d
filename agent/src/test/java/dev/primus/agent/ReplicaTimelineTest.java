package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A replica that streamed across a timeline switch reports the old timeline once its WAL receiver stops
 * (the control file's checkpoint is still on it); the loop must keep the one it already saw.
 */
class ReplicaTimelineTest {
  static final Instant STARTED = Instant.parse("2026-01-01T10:00:00Z");

  static LocalState probe(DatabaseRole role, long timeline, Instant started) {
    return new LocalState(LocalState.DataDirectoryState.INITIALIZED, Optional.of("7000000000000000001"),
        LocalState.ProcessState.RUNNING, Optional.of(role), Optional.of(timeline), 5000, Optional.of(5000L),
        Optional.of(5000L), Optional.of(LocalState.ReplicationState.ARCHIVE_RECOVERY), Optional.of("node1"), true,
        false, Map.of(), Optional.of(started), List.of()).withServerVersion(150004);
  }

  @Test
  void aReplicasTimelineDoesNotGoBackWhileItsPostmasterRuns() {
    ReplicaTimeline guard = new ReplicaTimeline();
    assertEquals(Optional.of(1L), guard.apply(probe(DatabaseRole.REPLICA, 1, STARTED)).timeline());
    assertEquals(Optional.of(2L), guard.apply(probe(DatabaseRole.REPLICA, 2, STARTED)).timeline());
    // The receiver stopped: the probe falls back to the checkpoint's timeline, 1.
    LocalState kept = guard.apply(probe(DatabaseRole.REPLICA, 1, STARTED));
    assertEquals(Optional.of(2L), kept.timeline());
    assertEquals(5000, kept.walPosition(), "nothing else changes");
    assertEquals(Optional.of(150004), kept.serverVersion(), "nothing else changes");
    assertEquals(Optional.of(3L), guard.apply(probe(DatabaseRole.REPLICA, 3, STARTED)).timeline());
  }

  @Test
  void aNewPostmasterOrAPrimaryStartsOver() {
    ReplicaTimeline guard = new ReplicaTimeline();
    guard.apply(probe(DatabaseRole.REPLICA, 4, STARTED));
    // Restarted (after a pg_rewind, say): what the new postmaster reports is the truth.
    assertEquals(Optional.of(3L), guard.apply(probe(DatabaseRole.REPLICA, 3, STARTED.plusSeconds(60))).timeline());
    guard.apply(probe(DatabaseRole.REPLICA, 5, STARTED.plusSeconds(60)));
    // A primary's timeline (pg_current_wal_lsn's file) is exact, and it resets the guard.
    assertEquals(Optional.of(2L), guard.apply(probe(DatabaseRole.PRIMARY, 2, STARTED.plusSeconds(60))).timeline());
    assertEquals(Optional.of(1L), guard.apply(probe(DatabaseRole.REPLICA, 1, STARTED.plusSeconds(60))).timeline());
  }
}
