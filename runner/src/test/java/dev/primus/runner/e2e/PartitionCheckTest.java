package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.runner.demo.Writer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link PartitionCheck}'s definitions on hand-made acknowledgements. */
class PartitionCheckTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  private static Writer.Ack ack(long id, long sentMs, long atMs, String member, long timeline) {
    return new Writer.Ack(id, T0.plusMillis(sentMs), T0.plusMillis(atMs), member, timeline);
  }

  @Test
  void aCleanFailoverHasNoSplitBrainAndTheLongestGapIsTheOutage() {
    List<Writer.Ack> w = List.of(ack(1, 0, 5, "h1", 1), ack(2, 50, 55, "h1", 1), ack(3, 4000, 4010, "h2", 2),
        ack(4, 4050, 4060, "h2", 2));
    var f = PartitionCheck.check(w, List.of(), Set.of(1L, 2L, 3L, 4L));
    assertEquals(0, f.splitBrain());
    assertEquals(0, f.lost());
    assertEquals(4, f.acked());
    assertEquals(Duration.ofMillis(3955), f.gap().orElseThrow().length());
    assertEquals("h1", f.gap().orElseThrow().before());
    assertEquals("h2", f.gap().orElseThrow().after());
    assertEquals(List.of(new PartitionCheck.Epoch("h1", 1), new PartitionCheck.Epoch("h2", 2)), f.epochs());
  }

  @Test
  void anOldPrimaryAcknowledgingAfterTheNewOnesFirstWriteIsSplitBrainAndLost() {
    List<Writer.Ack> w = List.of(ack(1, 0, 5, "h1", 1), ack(2, 1000, 1005, "h1", 1), ack(3, 1100, 1105, "h1", 1));
    List<Writer.Ack> probes = List.of(ack(1_000_001, 900, 950, "h2", 2));
    var f = PartitionCheck.check(w, probes, Set.of(1L, 1_000_001L));
    assertEquals(2, f.splitBrain(), "writes 2 and 3 were sent after h2@2 acknowledged");
    assertEquals(2, f.lost());
  }

  @Test
  void anAcknowledgementSentBeforeTheNewPrimarysFirstIsNotCountedWhateverItsDelay() {
    // Sent at 900, before h2's first acknowledgement at 950; its answer came late (a slow network).
    List<Writer.Ack> w = new ArrayList<>(List.of(ack(1, 0, 5, "h1", 1), ack(2, 900, 1200, "h1", 1)));
    var f = PartitionCheck.check(w, List.of(ack(1_000_001, 940, 950, "h2", 2)), Set.of(1L, 2L, 1_000_001L));
    assertEquals(0, f.splitBrain());
  }

  @Test
  void aMemberPromotedAgainIsANewEpochNotAnOldPrimary() {
    List<Writer.Ack> w = List.of(ack(1, 0, 5, "h1", 1), ack(2, 1000, 1005, "h2", 2), ack(3, 2000, 2005, "h1", 3));
    var f = PartitionCheck.check(w, List.of(), Set.of(1L, 2L, 3L));
    assertEquals(0, f.splitBrain());
    assertEquals(3, f.epochs().size());
  }
}
