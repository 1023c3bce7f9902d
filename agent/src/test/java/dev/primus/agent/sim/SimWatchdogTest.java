package dev.primus.agent.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated watchdog resets a member that stops petting it, and only then. */
class SimWatchdogTest {
  final Scheduler scheduler = new Scheduler(new ManualClock());
  final List<Instant> resets = new ArrayList<>();
  final SimWatchdog watchdog = new SimWatchdog(scheduler, "pg0", Duration.ofSeconds(25),
      () -> resets.add(scheduler.now()));

  void run(Duration d) {
    Instant until = scheduler.now().plus(d);
    while (scheduler.runNext(until) != null) {
      // events only
    }
    scheduler.clock().set(until);
  }

  @Test
  void timeoutIsTtlMinusTheSafetyMargin() {
    assertEquals(Duration.ofSeconds(25), SimWatchdog.timeoutFor(Duration.ofSeconds(30)));
    assertEquals(Duration.ofSeconds(15), SimWatchdog.timeoutFor(Duration.ofSeconds(20)));
    assertEquals(Duration.ofSeconds(4), SimWatchdog.timeoutFor(Duration.ofSeconds(6)), "margin ttl/3 for small ttls");
    assertEquals(Duration.ofSeconds(20), SimWatchdog.timeoutFor(Duration.ofSeconds(30)).minusSeconds(5));
  }

  @Test
  void anArmedWatchdogThatIsNotPettedResetsAtTheTimeout() {
    Instant start = scheduler.now();
    watchdog.activate();
    run(Duration.ofSeconds(24));
    assertTrue(resets.isEmpty());
    run(Duration.ofSeconds(1));
    assertEquals(List.of(start.plusSeconds(25)), resets);
    assertFalse(watchdog.active(), "a reset disarms it");
    assertEquals(1, watchdog.resets());
  }

  @Test
  void keepalivesPostponeTheReset() {
    watchdog.activate();
    for (int i = 0; i < 10; i++) {
      run(Duration.ofSeconds(10));
      watchdog.keepalive();
    }
    assertTrue(resets.isEmpty());
    run(Duration.ofSeconds(25));
    assertEquals(1, resets.size());
  }

  @Test
  void aDisabledOrNeverArmedWatchdogNeverResets() {
    watchdog.keepalive();
    run(Duration.ofSeconds(60));
    watchdog.activate();
    run(Duration.ofSeconds(10));
    watchdog.disable();
    run(Duration.ofSeconds(60));
    assertTrue(resets.isEmpty());
    assertFalse(watchdog.active());
  }
}
