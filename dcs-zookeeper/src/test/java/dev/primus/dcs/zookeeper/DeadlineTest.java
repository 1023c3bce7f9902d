package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A call's attempts (issue 11): a silent server is left after one attempt, not after the whole call. */
class DeadlineTest {

  @Test
  void anAttemptIsAThirdOfTheCallAndAtLeastTwoFit() {
    assertEquals(Duration.ofSeconds(1).toNanos(), Deadline.attemptNanos(Duration.ofSeconds(3).toNanos()));
    assertEquals(Duration.ofSeconds(10).toNanos() / 3, Deadline.attemptNanos(Duration.ofSeconds(10).toNanos()));
    assertEquals(Duration.ofMillis(500).toNanos(), Deadline.attemptNanos(Duration.ofMillis(1200).toNanos()));
    assertEquals(Duration.ofMillis(300).toNanos(), Deadline.attemptNanos(Duration.ofMillis(600).toNanos()));
    assertEquals(Duration.ofMillis(1).toNanos(), Deadline.attemptNanos(0));
  }

  @Test
  void anAttemptEndsBeforeTheCallAndNeverAfterIt() {
    Deadline call = Deadline.after(Duration.ofSeconds(3));
    Deadline attempt = call.attempt();
    assertTrue(attempt.atNanos() - call.atNanos() < 0, "the attempt ends first");
    assertTrue(attempt.remainingNanos() <= Duration.ofSeconds(1).toNanos());
    Deadline nearlyOver = new Deadline(System.nanoTime() + Duration.ofMillis(100).toNanos(),
        Duration.ofSeconds(1).toNanos());
    assertSame(nearlyOver, nearlyOver.attempt(), "the last attempt ends with the call");
  }
}
