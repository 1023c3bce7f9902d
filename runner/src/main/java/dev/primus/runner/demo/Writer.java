package dev.primus.runner.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A client that writes one row at a fixed interval to whoever is primary, the way an application behind
 * a leader-aware connection string would: it keeps its connection while writes succeed, and after a
 * failure asks {@code locator} for the primary again (the leader key's member and its {@code conn_url})
 * and reconnects. Every row has its own id; a row is <em>acknowledged</em> when its autocommit INSERT
 * returned. So "writes lost" can be counted afterwards (acknowledged ids missing on the final primary)
 * and the outages measured (first failed write after a success, until the next success). Each
 * acknowledgement is kept with its times, the member that gave it and that server's timeline
 * ({@link #acks()}), so a checker can tell an old primary's acknowledgements from the new one's.
 *
 * <p>Timeouts are short (connect 2 s, socket 3 s): a write that hangs on a dead primary must count as
 * failed, not stall the measurement.
 */
public final class Writer implements AutoCloseable {
  public static final String TABLE = "primus_demo_writes";

  /** Where the primary is: a member name and its PostgreSQL host and port. */
  public record Target(String member, String host, int port) {
    public Target {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(host, "host");
    }

    String jdbcUrl() {
      return "jdbc:postgresql://" + host + ":" + port + "/postgres";
    }
  }

  /**
   * A time writes did not succeed: from the first failed write to the first successful one after it.
   *
   * @param from        the first failed attempt
   * @param until       the next successful write (empty while it lasts)
   * @param before      the member the last successful write before went to
   * @param after       the member the next successful write went to
   * @param failures    failed attempts in between
   */
  public record Outage(Instant from, Optional<Instant> until, Optional<String> before, Optional<String> after,
      int failures) {
    public Duration length() {
      return Duration.between(from, until.orElse(Instant.now()));
    }
  }

  /**
   * One acknowledged write.
   *
   * @param id       the row's id
   * @param sentAt   when the INSERT was sent (on the open connection, or when connecting began)
   * @param at       when its acknowledgement arrived
   * @param member   the member the connection went to
   * @param timeline the timeline the server was writing WAL on when it committed the row
   */
  public record Ack(long id, Instant sentAt, Instant at, String member, long timeline) {}

  /** What was written, at the moment asked. */
  public record Stats(long attempts, long acked, long failed, List<Outage> outages, Optional<String> lastMember,
      Optional<Instant> lastAck) {}

  private final Supplier<Optional<Target>> locator;
  private final String user;
  private final String password;
  private final Duration interval;
  private final Object lock = new Object();
  private final List<Ack> acks = new ArrayList<>();
  private final List<Outage> outages = new ArrayList<>();
  private long attempts;
  private long failed;
  private Optional<String> lastMember = Optional.empty();
  private Optional<Instant> lastAck = Optional.empty();
  private Instant outageFrom;
  private int outageFailures;
  private Optional<String> outageBefore = Optional.empty();
  private volatile boolean running;
  private Thread thread;
  private Connection connection;
  private Target connectedTo;
  private long nextId;
  private volatile String lastError = "";

  public Writer(Supplier<Optional<Target>> locator, String user, String password, Duration interval) {
    this(locator, user, password, interval, 1);
  }

  /** A writer whose ids start at {@code firstId}: several writers, or several runs, into one table. */
  public Writer(Supplier<Optional<Target>> locator, String user, String password, Duration interval, long firstId) {
    this.nextId = firstId;
    this.locator = Objects.requireNonNull(locator, "locator");
    this.user = Objects.requireNonNull(user, "user");
    this.password = Objects.requireNonNull(password, "password");
    this.interval = Objects.requireNonNull(interval, "interval");
  }

  /** Creates the table on {@code target} (the primary) if it is not there. */
  public static void createTable(Target target, String user, String password) throws SQLException {
    try (Connection c = connect(target, user, password); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS " + TABLE
          + " (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now(), via text NOT NULL)");
    }
  }

  /** The ids present in the table on {@code target}. */
  public static Set<Long> idsOn(Target target, String user, String password) throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (Connection c = connect(target, user, password); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM " + TABLE)) {
      while (rs.next()) {
        ids.add(rs.getLong(1));
      }
    }
    return ids;
  }

  static Connection connect(Target target, String user, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "2");
    p.setProperty("socketTimeout", "3");
    p.setProperty("loginTimeout", "3");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "primus-demo-writer");
    return DriverManager.getConnection(target.jdbcUrl(), p);
  }

  /** Starts writing on a thread of its own. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = new Thread(this::run, "primus-demo-writer");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long start = System.nanoTime();
    long tick = 0;
    while (running) {
      writeOnce();
      tick++;
      long next = start + tick * interval.toNanos();
      long wait = next - System.nanoTime();
      if (wait < 0) {
        // Behind (a slow connect): skip the missed slots rather than write in a burst.
        tick += (-wait) / interval.toNanos() + 1;
        wait = start + tick * interval.toNanos() - System.nanoTime();
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.max(0, wait));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    closeConnection();
  }

  private void writeOnce() {
    long id;
    synchronized (lock) {
      id = nextId++;
      attempts++;
    }
    Instant sentAt = Instant.now();
    try {
      if (connection == null) {
        Optional<Target> t = locator.get();
        if (t.isEmpty()) {
          throw new SQLException("no primary known");
        }
        connectedTo = t.get();
        connection = connect(connectedTo, user, password);
      }
      long timeline;
      try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
        ps.setLong(1, id);
        ps.setString(2, connectedTo.member());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          timeline = timeline(rs.getString(1));
        }
      }
      acked(new Ack(id, sentAt, Instant.now(), connectedTo.member(), timeline));
    } catch (SQLException | RuntimeException e) {
      lastError = e.getMessage() == null ? e.toString() : e.getMessage();
      failed();
      closeConnection();
    }
  }

  /**
   * The row, and the timeline of the server's WAL insert position once it is in: the first eight hex
   * digits of that position's WAL file name (PostgreSQL 15 names it with the insertion timeline).
   */
  public static final String INSERT = "INSERT INTO " + TABLE + " (id, via) VALUES (?, ?)"
      + " RETURNING pg_walfile_name(pg_current_wal_insert_lsn())";

  /** The timeline in a WAL file name ({@code 000000020000000000000003} is timeline 2). */
  public static long timeline(String walFileName) {
    return walFileName == null || walFileName.length() < 8 ? 0 : Long.parseLong(walFileName.substring(0, 8), 16);
  }

  private void acked(Ack ack) {
    Instant now = ack.at();
    String member = ack.member();
    synchronized (lock) {
      acks.add(ack);
      if (outageFrom != null) {
        outages.add(new Outage(outageFrom, Optional.of(now), outageBefore, Optional.of(member), outageFailures));
        outageFrom = null;
      }
      lastMember = Optional.of(member);
      lastAck = Optional.of(now);
    }
  }

  private void failed() {
    Instant now = Instant.now();
    synchronized (lock) {
      failed++;
      if (outageFrom == null) {
        outageFrom = now;
        outageFailures = 0;
        outageBefore = lastMember;
      }
      outageFailures++;
    }
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // It failed already; nothing to save.
      }
      connection = null;
    }
  }

  /** The counts and outages so far (an outage still going on has no end). */
  public Stats stats() {
    synchronized (lock) {
      List<Outage> all = new ArrayList<>(outages);
      if (outageFrom != null) {
        all.add(new Outage(outageFrom, Optional.empty(), outageBefore, Optional.empty(), outageFailures));
      }
      return new Stats(attempts, acks.size(), failed, List.copyOf(all), lastMember, lastAck);
    }
  }

  /** The first outage that began at or after {@code since}, ended or not. */
  public Optional<Outage> outageSince(Instant since) {
    return stats().outages().stream().filter(o -> !o.from().isBefore(since)).findFirst();
  }

  /** The first successful write at or after {@code since} that went to {@code member}. */
  public boolean wroteTo(String member, Instant since) {
    synchronized (lock) {
      return lastMember.map(member::equals).orElse(false) && lastAck.map(t -> !t.isBefore(since)).orElse(false);
    }
  }

  /** Every acknowledged id. */
  public Set<Long> ackedIds() {
    synchronized (lock) {
      Set<Long> ids = new HashSet<>();
      acks.forEach(a -> ids.add(a.id()));
      return Set.copyOf(ids);
    }
  }

  /** Every acknowledgement so far, in the order they arrived. */
  public List<Ack> acks() {
    synchronized (lock) {
      return List.copyOf(acks);
    }
  }

  public String lastError() {
    return lastError;
  }

  /** Stops writing and waits for the thread. */
  @Override
  public void close() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
