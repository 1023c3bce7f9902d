package dev.primus.agent.it;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client that commits one row every 50 ms to whichever member is the primary (libpq's multi-host URL with
 * {@code targetServerType=primary}), reconnecting after any error, and remembers every row whose commit was
 * acknowledged. {@link #stopAndCheck} then counts the acknowledged rows a primary does not have.
 */
final class Writer implements AutoCloseable {
  private final String url;
  private final Properties props = new Properties();
  private final List<Long> acked = new CopyOnWriteArrayList<>();
  private final List<Long> ackedAt = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean stop;

  private Writer(Pg pg, int members) {
    StringBuilder hosts = new StringBuilder();
    for (int i = 0; i < members; i++) {
      hosts.append(i == 0 ? "" : ",").append("127.0.0.1:").append(pg.port(i));
    }
    this.url = "jdbc:postgresql://" + hosts + "/postgres?targetServerType=primary";
    props.setProperty("user", "postgres");
    props.setProperty("password", Pg.SUPERUSER_PASSWORD);
    props.setProperty("connectTimeout", "1");
    props.setProperty("socketTimeout", "2");
    this.thread = new Thread(this::run, "it-writer");
    this.thread.setDaemon(true);
  }

  static Writer start(Pg pg) {
    Writer w = new Writer(pg, 3);
    w.thread.start();
    return w;
  }

  private void run() {
    long next = 1;
    Connection c = null;
    while (!stop) {
      try {
        if (c == null) {
          c = DriverManager.getConnection(url, props);
          try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS it_writes (id bigint PRIMARY KEY)");
          }
        }
        try (Statement s = c.createStatement()) {
          s.executeUpdate("INSERT INTO it_writes VALUES (" + next + ")");
        }
        acked.add(next);
        ackedAt.add(System.nanoTime());
        next++;
      } catch (SQLException e) {
        if (c != null) {
          try {
            c.close();
          } catch (SQLException ignored) {
            // already broken
          }
          c = null;
        }
      }
      sleep(50);
    }
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void awaitWrites(int n, Duration limit) throws InterruptedException {
    Waits.until(n + " acknowledged writes", limit, () -> acked.size() >= n, () -> acked.size() + " so far");
  }

  /** Waits for {@code n} acknowledged writes after now (e.g. on the new primary). */
  void awaitWritesAfter(int n, Duration limit) throws InterruptedException {
    long from = System.nanoTime();
    Waits.until(n + " acknowledged writes from now on", limit,
        () -> ackedAt.stream().filter(t -> t >= from).count() >= n, () -> acked.size() + " in all");
  }

  record Report(int acked, int missing) {}

  /** Stops writing and counts the acknowledged rows the server on {@code port} does not hold. */
  Report stopAndCheck(int port) throws SQLException, InterruptedException {
    stop = true;
    thread.join(10_000);
    Set<Long> present = new HashSet<>();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM it_writes")) {
      while (rs.next()) {
        present.add(rs.getLong(1));
      }
    }
    int missing = (int) acked.stream().filter(id -> !present.contains(id)).count();
    return new Report(acked.size(), missing);
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(10_000);
  }
}
