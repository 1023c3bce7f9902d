package dev.primus.runner.e2e;

import dev.primus.runner.demo.LocalCluster;
import dev.primus.runner.demo.Writer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A write attempt on every member, each on its own thread every {@code interval}, on a connection kept
 * open: whoever accepts a write is writable at that moment, whatever the DCS or the REST API say. A
 * replica refuses ({@code 25006}, read-only) and keeps its connection; any other error closes it and the
 * next round connects again. The acknowledgements are what {@link PartitionCheck} needs to see two
 * writable servers at once, which a single client following one primary cannot: its rows go into
 * {@link Writer#TABLE} with ids of their own ({@code firstId + 1_000_000 * i + n} for the i-th member).
 */
final class Probes implements AutoCloseable {
  private final List<Thread> threads = new ArrayList<>();
  private final List<Writer.Ack> acks = new ArrayList<>();
  private volatile boolean running = true;

  Probes(List<Writer.Target> targets, String password, Duration interval, long firstId) {
    for (int i = 0; i < targets.size(); i++) {
      Writer.Target t = targets.get(i);
      long base = firstId + 1_000_000L * i;
      Thread th = new Thread(() -> probe(t, password, interval, base), "primus-probe-" + t.member());
      th.setDaemon(true);
      threads.add(th);
    }
  }

  void start() {
    threads.forEach(Thread::start);
  }

  private void probe(Writer.Target t, String password, Duration interval, long base) {
    Connection c = null;
    long n = 0;
    long next = System.nanoTime();
    while (running) {
      long id = base + n++;
      Instant sentAt = Instant.now();
      try {
        if (c == null) {
          c = connect(t, password);
        }
        try (PreparedStatement ps = c.prepareStatement(Writer.INSERT)) {
          ps.setLong(1, id);
          ps.setString(2, t.member() + "/probe");
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            Writer.Ack a = new Writer.Ack(id, sentAt, Instant.now(), t.member(), Writer.timeline(rs.getString(1)));
            synchronized (acks) {
              acks.add(a);
            }
          }
        }
      } catch (SQLException e) {
        if (!"25006".equals(e.getSQLState())) {
          close(c);
          c = null;
        }
      }
      next += interval.toNanos();
      long wait = next - System.nanoTime();
      if (wait < 0) {
        next = System.nanoTime();
        wait = 0;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        break;
      }
    }
    close(c);
  }

  private static Connection connect(Writer.Target t, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", LocalCluster.SUPERUSER);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "1");
    p.setProperty("socketTimeout", "3");
    p.setProperty("loginTimeout", "2");
    p.setProperty("ApplicationName", "primus-partition-probe");
    return DriverManager.getConnection("jdbc:postgresql://" + t.host() + ":" + t.port() + "/postgres", p);
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // Broken already.
      }
    }
  }

  List<Writer.Ack> acks() {
    synchronized (acks) {
      return List.copyOf(acks);
    }
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      t.interrupt();
    }
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
