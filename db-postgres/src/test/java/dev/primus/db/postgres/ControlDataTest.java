package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class ControlDataTest {

  private static String fixture(String name) throws IOException {
    try (InputStream in = ControlDataTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsAStoppedReplica() throws IOException {
    ControlData cd = ControlData.parse(fixture("controldata-replica-15.txt"));
    assertEquals(Optional.of("7710853166356167033"), cd.systemIdentifier());
    assertEquals("shut down in recovery", cd.state());
    assertTrue(cd.cleanShutdown());
    assertTrue(cd.inRecovery());
    assertEquals(Optional.of(Lsn.parse("0/5000060")), cd.checkpointLsn());
    assertEquals(Optional.of(Lsn.parse("0/6000398")), cd.minRecoveryEndLsn());
    assertEquals(Optional.of(3L), cd.timeline(), "the minimum recovery point's timeline is newer than the checkpoint's");
    assertTrue(cd.walLogHints());
    assertTrue(cd.dataChecksums());
    assertEquals(Optional.of("0"), cd.field("Latest checkpoint's oldestCommitTsXid"), "a label with no space after the colon");
  }

  @Test
  void readsACrashedPrimary() {
    ControlData cd = ControlData.parse("""
        Database system identifier:           7268616322854375442
        Database cluster state:               in production
        Latest checkpoint location:           16/B374D848
        Latest checkpoint's TimeLineID:       4
        Minimum recovery ending location:     0/0
        Min recovery ending loc's timeline:   0
        wal_log_hints setting:                off
        Data page checksum version:           0
        """);
    assertFalse(cd.cleanShutdown());
    assertFalse(cd.inRecovery());
    assertEquals(Optional.of(4L), cd.timeline(), "no minimum recovery point: the checkpoint's timeline");
    assertEquals(Optional.of(0x16B374D848L), cd.checkpointLsn());
    assertFalse(cd.walLogHints());
    assertFalse(cd.dataChecksums());
  }

  @Test
  void toleratesGarbage() {
    ControlData cd = ControlData.parse("pg_controldata: error: could not open file \"global/pg_control\"\n\nnonsense");
    assertEquals(Optional.empty(), cd.systemIdentifier());
    assertFalse(cd.cleanShutdown());
    assertEquals(Optional.empty(), cd.checkpointLsn());
    assertEquals(Optional.empty(), cd.timeline());
  }

  @Test
  void lsnRoundTrips() {
    assertEquals(0L, Lsn.parse("0/0"));
    assertEquals((0x16L << 32) | 0xB374D848L, Lsn.parse("16/B374D848"));
    assertEquals("16/B374D848", Lsn.format(Lsn.parse("16/b374d848")));
    assertEquals("0/3000060", Lsn.format(0x3000060L));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Lsn.parse("16B374D848"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Lsn.parse("1FFFFFFFF/0"));
  }
}
