package dev.primus.bench.failover;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what the bench started — clusters (agents and their PostgreSQL servers) and etcd — also when the
 * run ends early: an exception, Ctrl-C or SIGTERM run the JVM's shutdown hooks but not the
 * try-with-resources of a thread that is still blocked.
 */
final class Reaper {
  private final Deque<AutoCloseable> open = new ArrayDeque<>();

  Reaper() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::closeAll, "bench-reaper"));
  }

  synchronized <T extends AutoCloseable> T add(T resource) {
    open.push(resource);
    return resource;
  }

  /** Closes {@code resource} now (newest first is kept for the rest) and forgets it. */
  void close(AutoCloseable resource) {
    synchronized (this) {
      open.remove(resource);
    }
    closeQuietly(resource);
  }

  /** Everything still open, newest first: the clusters before the etcd they use. */
  void closeAll() {
    while (true) {
      AutoCloseable next;
      synchronized (this) {
        next = open.poll();
      }
      if (next == null) {
        return;
      }
      closeQuietly(next);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("bench: cleaning up " + c + ": " + e);
    }
  }
}
