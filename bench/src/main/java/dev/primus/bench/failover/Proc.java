package dev.primus.bench.failover;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What Linux's {@code /proc} says about one process: resident memory and CPU time, read the way
 * {@code ps} and {@code top} read them, so the figures mean the same for a JVM and a Python process.
 */
final class Proc {
  private static final long CLOCK_TICKS = clockTicks();

  private Proc() {}

  /** Resident memory in KiB ({@code VmRSS} of {@code /proc/<pid>/status}); empty if the process is gone. */
  static Optional<Long> rssKib(long pid) {
    return statusField(pid, "VmRSS:");
  }

  /** Anonymous resident memory in KiB ({@code RssAnon}): heap, stacks, malloc; not the mapped files. */
  static Optional<Long> rssAnonKib(long pid) {
    return statusField(pid, "RssAnon:");
  }

  /**
   * Proportional set size in KiB ({@code Pss} of {@code /proc/<pid>/smaps_rollup}): resident pages, each
   * shared one divided by the number of processes mapping it.
   */
  static Optional<Long> pssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("Pss:")) {
          return Optional.of(Long.parseLong(line.substring(4).trim().split("\\s+")[0]));
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Threads of the process ({@code Threads}). */
  static Optional<Long> threads(long pid) {
    return statusField(pid, "Threads:");
  }

  /**
   * CPU time the process has used so far, user plus system ({@code utime + stime}, fields 14 and 15 of
   * {@code /proc/<pid>/stat}, all threads), in seconds.
   */
  static Optional<Double> cpuSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      // f[0] is field 3 (state), so field n is f[n - 3].
      long ticks = Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
      return Optional.of(ticks / (double) CLOCK_TICKS);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The processes whose parent is {@code pid} (one level). */
  static List<Long> children(long pid) {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString()
        .chars().allMatch(Character::isDigit))) {
      for (Path p : procs) {
        long child = Long.parseLong(p.getFileName().toString());
        statusField(child, "PPid:").filter(pp -> pp == pid).ifPresent(pp -> out.add(child));
      }
    } catch (IOException | RuntimeException e) {
      // A process that vanished while listing is simply not a child any more.
    }
    return out;
  }

  /** SIGKILL to {@code pid}, if it still runs; returns at once. */
  static void kill(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
  }

  /** Waits until {@code pid} has gone, up to {@code millis}. */
  static boolean awaitExit(long pid, long millis) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty()) {
      return true;
    }
    try {
      h.get().onExit().get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return !h.get().isAlive();
    }
  }

  private static Optional<Long> statusField(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) {
          return Optional.of(Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]));
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code getconf CLK_TCK}: the unit of utime and stime; 100 on every Linux we know, asked anyway. */
  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      p.waitFor(5, TimeUnit.SECONDS);
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
