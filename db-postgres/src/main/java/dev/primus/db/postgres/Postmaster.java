package dev.primus.db.postgres;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The running server as {@code postmaster.pid} describes it: process id, start time, port and status
 * (PostgreSQL 10+ writes {@code starting}, {@code ready}, {@code standby} or {@code stopping} on line 8).
 *
 * @param pid       the postmaster's process id
 * @param startTime when it started
 * @param port      the port it listens on
 * @param status    the status line, trimmed; empty on a server that has not written it yet
 */
record Postmaster(long pid, Optional<Instant> startTime, int port, String status) {

  static Optional<Postmaster> read(Path dataDir) {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      Optional<Instant> start = Optional.empty();
      if (lines.size() > 2) {
        try {
          start = Optional.of(Instant.ofEpochSecond(Long.parseLong(lines.get(2).trim())));
        } catch (NumberFormatException ignored) {
          // written by a server still starting up
        }
      }
      int port = 0;
      if (lines.size() > 3) {
        try {
          port = Integer.parseInt(lines.get(3).trim());
        } catch (NumberFormatException ignored) {
          // written by a server still starting up
        }
      }
      String status = lines.size() > 7 ? lines.get(7).trim() : "";
      return Optional.of(new Postmaster(pid, start, port, status));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The process exists and is a PostgreSQL server, not a stranger that reused the id. */
  boolean alive() {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive() || zombie(pid)) {
      return false;
    }
    Optional<String> command = h.get().info().command();
    return command.map(c -> c.endsWith("/postgres") || c.endsWith("/postmaster") || c.contains("postgres")).orElse(true);
  }

  /** A dead process its new parent has not reaped yet still has an id; it is not a server. */
  static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      int end = stat.lastIndexOf(')');
      char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** SIGKILL: the last resort when the server ignores immediate shutdown. */
  void kill(Duration wait) {
    ProcessHandle.of(pid).ifPresent(h -> {
      // Its children first collected (once the postmaster is gone they belong to init), then the postmaster
      // killed before them, so it cannot start a crash restart when they die; a backend or walsender left
      // behind would keep the shared memory and the port until it noticed.
      List<ProcessHandle> children = h.children().toList();
      h.destroyForcibly();
      children.forEach(ProcessHandle::destroyForcibly);
      // Until it is reaped: PostgreSQL takes a pid that still exists, a zombie's too, for a server still
      // running, and would not start again.
      long deadline = System.nanoTime() + wait.toNanos();
      while (h.isAlive() && System.nanoTime() - deadline < 0) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      // the caller re-checks whether it is gone
    });
  }

  boolean ready() {
    return status.equals("ready");
  }

  boolean starting() {
    return status.equals("starting") || status.equals("standby");
  }

  boolean stopping() {
    return status.equals("stopping");
  }
}
