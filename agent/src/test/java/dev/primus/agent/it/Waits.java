package dev.primus.agent.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling with a deadline, failing with a description of the state that was waited on. */
final class Waits {
  private Waits() {}

  static void until(String what, Duration limit, BooleanSupplier condition, Supplier<String> state)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + limit.toSeconds() + " s waiting for " + what + ":\n" + state.get());
      }
      Thread.sleep(100);
    }
  }
}
