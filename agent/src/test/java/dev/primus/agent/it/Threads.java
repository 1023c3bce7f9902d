package dev.primus.agent.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The JVM's threads before and after: whatever a test started (agents, runtime, store, driver) must be gone
 * once it closed them. Only threads the JDK itself starts on first use and keeps for the JVM's life are not
 * counted: the process reaper (every {@code ProcessBuilder} user), the common ForkJoin pool, the
 * CompletableFuture delayer, the JDK's cleaner, and the ones an attaching tool starts.
 */
final class Threads {
  private static final List<String> JDK_OWN = List.of("process reaper", "ForkJoinPool.commonPool-", "Common-Cleaner",
      "CompletableFutureDelayScheduler", "Attach Listener", "surefire-forkedjvm-", "JFR ", "Signal Dispatcher");

  private Threads() {}

  static Set<Thread> live() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
  }

  private static boolean jdkOwn(Thread t) {
    return JDK_OWN.stream().anyMatch(p -> t.getName().startsWith(p));
  }

  /** Waits until every thread started since {@code before} (the JDK's own excepted) has ended. */
  static void awaitBackTo(Set<Thread> before, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      List<Thread> extra = live().stream().filter(t -> !before.contains(t) && !jdkOwn(t)).toList();
      if (extra.isEmpty()) {
        System.out.printf("threads: every thread started since the start has ended (the JDK's own on-demand threads"
            + " aside); %d live at the start, %d now%n", before.size(), live().size());
        return;
      }
      // A JDK HttpClient's selector thread ends only once its client was collected (no close() before Java 21).
      System.gc();
      if (System.nanoTime() > deadline) {
        fail("threads left behind after everything was closed: " + extra.stream()
            .map(t -> t.getName() + (t.isDaemon() ? " (daemon)" : "")).sorted().toList());
      }
      Thread.sleep(200);
    }
  }
}
