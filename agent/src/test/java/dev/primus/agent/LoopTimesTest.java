package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The HA loop's cycle histograms: counts, sums, maxima and cumulative buckets. */
class LoopTimesTest {
  @Test
  void nothingRecordedIsAllZero() {
    LoopTimes.Snapshot s = new LoopTimes().snapshot();
    assertEquals(0, s.duration().count());
    assertEquals(0.0, s.duration().maxSeconds());
    assertArrayEquals(new long[LoopTimes.bounds().length], s.delay().atOrBelow());
  }

  @Test
  void eachCycleCountsInItsBucketAndEveryBucketAbove() {
    LoopTimes t = new LoopTimes();
    t.record(Duration.ofMillis(3), Duration.ZERO);
    t.record(Duration.ofMillis(10), Duration.ofMillis(1)); // on a bound: at or below it
    t.record(Duration.ofMillis(300), Duration.ofMillis(700));
    t.record(Duration.ofSeconds(12), Duration.ofMillis(-5)); // above the last bound; a clock stepped back is 0

    LoopTimes.Series d = t.snapshot().duration();
    assertEquals(4, d.count());
    assertEquals(12.313, d.sumSeconds(), 1e-9);
    assertEquals(12.0, d.maxSeconds());
    // bounds: 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 (+Inf = count)
    assertArrayEquals(new long[] {1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3}, d.atOrBelow());

    LoopTimes.Series late = t.snapshot().delay();
    assertEquals(4, late.count());
    assertEquals(0.701, late.sumSeconds(), 1e-9);
    assertEquals(0.7, late.maxSeconds());
    assertArrayEquals(new long[] {3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4}, late.atOrBelow());
  }

  @Test
  void aSnapshotDoesNotChangeAfterwards() {
    LoopTimes t = new LoopTimes();
    t.record(Duration.ofMillis(1), Duration.ZERO);
    LoopTimes.Snapshot before = t.snapshot();
    t.record(Duration.ofMillis(1), Duration.ZERO);
    assertEquals(1, before.duration().count());
    assertEquals(1, before.duration().atOrBelow()[0]);
    assertEquals(2, t.snapshot().duration().count());
  }
}
