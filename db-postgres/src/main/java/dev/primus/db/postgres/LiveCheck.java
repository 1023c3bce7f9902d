package dev.primus.db.postgres;

import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The driver's {@link dev.primus.ha.driver.DatabaseDriver#liveness}: first {@code postmaster.pid} and the
 * process it names (a file read and a look at {@code /proc}, no connection: a stopped or killed server is
 * {@link DatabaseLiveness.Down} at once), then, while the postmaster says it accepts connections, one query
 * for the role and the WAL positions on a connection kept for this check alone. Its own connection, because
 * the probe's may be busy for seconds with a cycle's queries, and a health check must not wait for them.
 */
final class LiveCheck implements AutoCloseable {
  private static final String QUERY = """
      SELECT pg_catalog.pg_is_in_recovery(),
        CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL
          ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_flush_lsn(), '0/0')::bigint END,
        pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), '0/0')::bigint,
        pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_replay_lsn(), '0/0')::bigint
      """;

  private final Path dataDir;
  private final Sql sql;
  private final ReentrantLock lock = new ReentrantLock();
  /** Guarded by {@link #lock}. */
  private Connection kept;

  /** @param sql connections with the check's timeouts (a statement timeout of about one check's timeout) */
  LiveCheck(Path dataDir, Sql sql) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    this.sql = Objects.requireNonNull(sql, "sql");
  }

  DatabaseLiveness check(Duration timeout) {
    Optional<Postmaster> read = Postmaster.read(dataDir);
    if (read.isEmpty() && java.nio.file.Files.exists(dataDir.resolve("postmaster.pid"))) {
      // A file that is there but does not parse is being written (a server creating it while it starts):
      // not a server that is gone.
      return new DatabaseLiveness.NotAnswering("postmaster.pid is being written");
    }
    Optional<Postmaster> pm = read.filter(Postmaster::alive);
    if (pm.isEmpty()) {
      // A server started again later is a new server: the old connection is of no use. Never wait for a
      // check still running to drop it, though; the answer is known already.
      if (lock.tryLock()) {
        try {
          closeKeptLocked();
        } finally {
          lock.unlock();
        }
      }
      return new DatabaseLiveness.Down();
    }
    String status = pm.get().status();
    if (!status.isEmpty() && !status.equals("ready") && !status.equals("standby")) {
      // "starting" or "stopping": the server refuses connections, so asking would only cost a connection attempt.
      return new DatabaseLiveness.NotAnswering("the postmaster says " + status);
    }
    try {
      if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return new DatabaseLiveness.Unknown("another check has held the connection for " + timeout.toMillis() + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new DatabaseLiveness.Unknown("interrupted");
    }
    long started = System.nanoTime();
    boolean reused = kept != null;
    try {
      return query(timeout);
    } catch (SQLException first) {
      closeKeptLocked();
      // A kept connection that failed at once most likely outlived a restart of the server: one more try
      // on a new one. One that failed slowly met a server that does not answer; trying again would only
      // make the health check wait twice as long.
      if (reused && System.nanoTime() - started < timeout.toNanos() / 2) {
        try {
          return query(timeout);
        } catch (SQLException second) {
          closeKeptLocked();
          return new DatabaseLiveness.NotAnswering(String.valueOf(second.getMessage()));
        }
      }
      return new DatabaseLiveness.NotAnswering(String.valueOf(first.getMessage()));
    } finally {
      lock.unlock();
    }
  }

  /** Caller holds the lock. */
  private DatabaseLiveness query(Duration timeout) throws SQLException {
    if (kept == null) {
      kept = sql.connect("postgres");
    }
    // The socket, not the statement, bounds a server that stopped answering altogether.
    kept.setNetworkTimeout(Runnable::run, (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
    try (Statement st = kept.createStatement(); ResultSet rs = st.executeQuery(QUERY)) {
      rs.next();
      boolean inRecovery = rs.getBoolean(1);
      long flush = rs.getLong(2);
      Optional<Long> receive = optionalLong(rs, 3);
      Optional<Long> replay = optionalLong(rs, 4);
      if (!inRecovery) {
        return new DatabaseLiveness.Answering(DatabaseRole.PRIMARY, Math.max(0, flush), Optional.empty(), Optional.empty());
      }
      long position = Math.max(0, Math.max(receive.orElse(0L), replay.orElse(0L)));
      return new DatabaseLiveness.Answering(DatabaseRole.REPLICA, position, receive, replay);
    }
  }

  private static Optional<Long> optionalLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(v);
  }

  /** Drops the kept connection (a smart shutdown would wait for it). */
  void closeKept() {
    lock.lock();
    try {
      closeKeptLocked();
    } finally {
      lock.unlock();
    }
  }

  private void closeKeptLocked() {
    if (kept != null) {
      try {
        kept.close();
      } catch (SQLException ignored) {
        // closing a broken connection
      }
      kept = null;
    }
  }

  @Override
  public void close() {
    closeKept();
  }
}
