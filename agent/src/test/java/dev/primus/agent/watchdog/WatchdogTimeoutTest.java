package dev.primus.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.Timings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The timeout a watchdog gets: {@code ttl - safety_margin}, or half the ttl for {@code safety_margin: -1}. */
class WatchdogTimeoutTest {

  static Timings timings(int ttl, int loopWait, int retryTimeout) {
    return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retryTimeout));
  }

  @Test
  void ttlMinusTheSafetyMargin() {
    WatchdogTimeout t = WatchdogTimeout.of(SafetyMargin.DEFAULT, timings(30, 10, 10));
    assertEquals(25, t.seconds());
    assertEquals(Duration.ofSeconds(15), t.slack());
    assertTrue(t.leavesRoomForALoop());
    assertEquals(30, WatchdogTimeout.of(SafetyMargin.of(0), timings(30, 10, 10)).seconds());
  }

  @Test
  void safetyMarginMinusOneIsHalfTheTtlRoundedDown() {
    assertEquals(new SafetyMargin.HalfTtl(), SafetyMargin.of(-1));
    assertEquals(15, WatchdogTimeout.of(SafetyMargin.of(-1), timings(30, 10, 10)).seconds());
    assertEquals(15, WatchdogTimeout.of(SafetyMargin.of(-1), timings(31, 10, 10)).seconds());
  }

  @Test
  void aTimeoutShorterThanLoopWaitLeavesNoRoom() {
    WatchdogTimeout t = WatchdogTimeout.of(SafetyMargin.DEFAULT, timings(12, 8, 2));
    assertEquals(7, t.seconds());
    assertFalse(t.leavesRoomForALoop());
    assertTrue(WatchdogTimeout.of(SafetyMargin.DEFAULT, timings(13, 8, 2)).leavesRoomForALoop(), "slack 0 is enough");
  }

  @Test
  void aMarginBelowMinusOneIsNoMargin() {
    assertThrows(IllegalArgumentException.class, () -> SafetyMargin.of(-2));
  }
}
