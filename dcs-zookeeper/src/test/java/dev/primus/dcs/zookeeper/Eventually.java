package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.dcs.spi.DcsException;
import java.time.Duration;

/**
 * Polls a condition until it holds or a bound passes; the bound is what the test asserts. A retryable
 * {@link DcsException} counts as "not yet" (a client may still be reconnecting); anything else fails.
 */
final class Eventually {
  @FunctionalInterface
  interface Check {
    boolean holds() throws Exception;
  }

  private Eventually() {}

  /** Returns how long it took; fails the test if {@code within} passes first. */
  static Duration within(Duration within, String what, Check check) throws Exception {
    long start = System.nanoTime();
    long end = start + within.toNanos();
    while (true) {
      try {
        if (check.holds()) {
          return Duration.ofNanos(System.nanoTime() - start);
        }
      } catch (DcsException e) {
        if (!e.retryable()) {
          throw e;
        }
      }
      if (System.nanoTime() - end > 0) {
        fail(what + " did not happen within " + within);
      }
      Thread.sleep(20);
    }
  }
}
