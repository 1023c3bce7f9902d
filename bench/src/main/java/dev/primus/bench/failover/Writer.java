package dev.primus.bench.failover;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The application: one {@code INSERT} every {@value #PERIOD_MILLIS} ms, autocommit, to whichever member
 * takes it, each with a new id. A commit that returns is an acknowledged write; its id, the member and the
 * moment it returned are kept.
 *
 * <p>It keeps a connection to every member and tries the one that took the last write first, then the
 * others: a standby refuses the {@code INSERT} at once (read-only transaction) and a dead member refuses
 * the connection at once on loopback, so finding the new primary costs no more than one round of quick
 * refusals per tick and no new server processes. A session on a standby becomes writable when that
 * standby is promoted, so the first commit after a promotion is seen within one tick.
 */
final class Writer implements AutoCloseable {
  static final long PERIOD_MILLIS = 50;

  /** One acknowledged write: {@code at} is {@link System#nanoTime()} when the commit returned. */
  record Ack(long id, long at, int node) {}

  private final List<Node> nodes;
  private final Connection[] connections;
  private final List<Ack> acks = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private int preferred;
  private long nextId;

  Writer(List<Node> nodes) {
    this.nodes = List.copyOf(nodes);
    this.connections = new Connection[nodes.size()];
    this.thread = new Thread(this::run, "bench-writer");
    this.thread.setDaemon(true);
  }

  /** Creates the table on {@code primary} (once per cluster) and starts writing. */
  static Writer start(List<Node> nodes, Node primary) throws SQLException {
    try (Connection c = Cluster.connect(primary, 10); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS bench_writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())");
    }
    Writer w = new Writer(nodes);
    w.preferred = nodes.indexOf(primary);
    w.thread.start();
    return w;
  }

  private void run() {
    long next = System.nanoTime();
    while (running) {
      long id = ++nextId;
      attempt(id);
      next += TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
      long now = System.nanoTime();
      if (next < now) {
        // A slow attempt (a socket timeout) is not made up for with a burst.
        next = now;
      } else {
        LockSupport.parkNanos(next - now);
      }
    }
    for (int i = 0; i < connections.length; i++) {
      closeQuietly(i);
    }
  }

  private void attempt(long id) {
    for (int k = 0; k < nodes.size(); k++) {
      int i = (preferred + k) % nodes.size();
      try {
        if (connections[i] == null) {
          connections[i] = Cluster.connect(nodes.get(i), 2);
        }
        try (PreparedStatement ps = connections[i].prepareStatement("INSERT INTO bench_writes (id) VALUES (?)")) {
          ps.setLong(1, id);
          ps.executeUpdate();
        }
        long at = System.nanoTime();
        synchronized (this) {
          acks.add(new Ack(id, at, i));
          notifyAll();
        }
        preferred = i;
        return;
      } catch (SQLException e) {
        // 25006: read-only transaction, a standby; the session stays for when it is promoted. Anything else
        // (refused, terminated, shutting down) drops the connection; the next tick connects again.
        if (!"25006".equals(e.getSQLState())) {
          closeQuietly(i);
        }
      }
    }
  }

  private void closeQuietly(int i) {
    Connection c = connections[i];
    connections[i] = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // Already broken.
      }
    }
  }

  /** The last write acknowledged before {@code t}, if any. */
  synchronized Optional<Ack> lastBefore(long t) {
    for (int i = acks.size() - 1; i >= 0; i--) {
      if (acks.get(i).at() < t) {
        return Optional.of(acks.get(i));
      }
    }
    return Optional.empty();
  }

  /** Waits up to {@code limit} for the first write acknowledged by member {@code node} after {@code t}. */
  synchronized Optional<Ack> awaitAckOn(int node, long t, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    int from = 0;
    while (true) {
      for (int i = from; i < acks.size(); i++) {
        Ack a = acks.get(i);
        if (a.at() > t && a.node() == node) {
          return Optional.of(a);
        }
      }
      from = acks.size();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  /** The longest time between two consecutive acknowledged writes from {@code from} to {@code to} (both included). */
  synchronized long longestGap(long from, long to) {
    long gap = 0;
    long prev = Long.MIN_VALUE;
    for (Ack a : acks) {
      if (a.at() < from || a.at() > to) {
        continue;
      }
      if (prev != Long.MIN_VALUE) {
        gap = Math.max(gap, a.at() - prev);
      }
      prev = a.at();
    }
    return gap;
  }

  /** The ids of every acknowledged write so far. */
  synchronized Set<Long> ackedIds() {
    Set<Long> ids = new HashSet<>(acks.size() * 2);
    for (Ack a : acks) {
      ids.add(a.id());
    }
    return ids;
  }

  /** How many acknowledged writes {@code primary} does not have. */
  int missingOn(Node primary) throws SQLException {
    Set<Long> acked = ackedIds();
    Set<Long> present = new HashSet<>(acked.size() * 2);
    try (Connection c = Cluster.connect(primary, 30); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM bench_writes")) {
      while (rs.next()) {
        present.add(rs.getLong(1));
      }
    }
    acked.removeAll(present);
    return acked.size();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
  }
}
