package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.PgHarness.Node;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState.ProcessState;
import dev.primus.ha.LocalState.ReplicaConnection;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A demotion's stop is bounded (issue 11), on real PostgreSQL 15: a fast shutdown waits for its walsenders
 * to have the shutdown checkpoint confirmed, and a standby whose walreceiver no longer answers (here
 * SIGSTOPped, as behind a black-holed link) holds it for {@code wal_sender_timeout} (60 s). The driver's
 * {@code stopWithin} stops immediately after half its bound, and kills the postmaster and its processes at
 * the bound when even that hangs (here the postmaster itself SIGSTOPped).
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
final class BoundedStopIT {
  private static final Duration T = Duration.ofSeconds(60);

  private PgHarness harness;
  private Node n1;
  private Node n2;
  private DatabaseDriver d1;
  private DatabaseDriver d2;
  private final java.util.List<Long> stoppedPids = new java.util.ArrayList<>();

  @BeforeAll
  void setUp() throws Exception {
    harness = new PgHarness();
    n1 = harness.node("node1", Map.of(), Optional.empty());
    n2 = harness.node("node2", Map.of(), Optional.empty());
    DatabaseProvider provider = ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("postgres")).findFirst().orElseThrow();
    d1 = provider.create(n1.settings());
    d2 = provider.create(n2.settings());
    d1.bootstrap();
    d1.ensureSlots(Set.of("node1", "node2"), Map.of());
    d2.createReplica(n1.upstream());
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    awaitStreaming();
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      for (long pid : stoppedPids) {
        signal("CONT", pid);
      }
      for (DatabaseDriver d : new DatabaseDriver[] {d1, d2}) {
        if (d != null) {
          try {
            d.stop(StopMode.IMMEDIATE, Duration.ofSeconds(20));
          } catch (DriverException | RuntimeException e) {
            System.out.println("teardown: stop failed: " + e.getMessage());
          } finally {
            d.close();
          }
        }
      }
    } finally {
      if (harness != null) {
        harness.close();
      }
    }
  }

  @Test
  @Order(1)
  void aFastShutdownHeldByAStandbyThatDoesNotAnswerIsEscalatedAtHalfTheBound() throws Exception {
    long walreceiver;
    try (Connection c = n2.connect(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_wal_receiver")) {
      assertTrue(rs.next(), "node2 has a walreceiver");
      walreceiver = rs.getLong(1);
    }
    signal("STOP", walreceiver);
    stoppedPids.add(walreceiver);
    try (Connection c = n1.connect(); Statement st = c.createStatement()) {
      st.execute("INSERT INTO primus_it SELECT g, 'row ' || g FROM generate_series(1, 1000) g");
    }

    Duration bound = Duration.ofSeconds(8);
    long t0 = System.nanoTime();
    Optional<Long> checkpoint = d1.stopWithin(StopMode.FAST, bound);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.printf(Locale.ROOT, "bounded stop, walreceiver of the standby stopped: %d ms with a bound of %d ms"
        + " (fast for %d ms, then immediate); clean: %s%n", took.toMillis(), bound.toMillis(), bound.toMillis() / 2,
        checkpoint.isPresent());

    assertEquals(ProcessState.STOPPED, d1.probe().process());
    assertTrue(took.compareTo(bound.dividedBy(2)) >= 0, "the fast shutdown was held by the walsender: " + took);
    assertTrue(took.compareTo(bound) < 0, "ended within its bound, not after wal_sender_timeout: " + took);
    signal("CONT", walreceiver);
    stoppedPids.remove(walreceiver);
  }

  @Test
  @Order(2)
  void aPostmasterThatIgnoresEvenImmediateIsKilledAtTheBound() throws Exception {
    d1.start(DatabaseRole.PRIMARY, Optional.empty(), T);
    long postmaster = Postmaster.read(n1.dataDir()).filter(Postmaster::alive).orElseThrow().pid();
    List<Long> children = ProcessHandle.of(postmaster).orElseThrow().children().map(ProcessHandle::pid).toList();
    assertFalse(children.isEmpty(), "a running postmaster has children");
    signal("STOP", postmaster);
    stoppedPids.add(postmaster);

    Duration bound = Duration.ofSeconds(4);
    long t0 = System.nanoTime();
    d1.stopWithin(StopMode.FAST, bound);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.printf(Locale.ROOT, "bounded stop, postmaster SIGSTOPped: %d ms with a bound of %d ms (then SIGKILL)%n",
        took.toMillis(), bound.toMillis());
    stoppedPids.remove(postmaster);

    assertFalse(living(postmaster), "the postmaster was killed");
    PgHarness.await(Duration.ofSeconds(10), "its children gone too", () -> children.stream().noneMatch(BoundedStopIT::living));
    // SIGKILL at the bound; then the wait until init has reaped it (slow on some machines).
    assertTrue(took.compareTo(bound.plusSeconds(10)) < 0, "killed at its bound: " + took);
    assertFalse(d1.probe().process() == ProcessState.RUNNING);

    // It starts again (crash recovery) and the standby streams from it, once init has reaped the killed
    // postmaster: PostgreSQL takes a pid that still exists, even a zombie's, for a server still running.
    PgHarness.await(Duration.ofSeconds(30), "the killed postmaster reaped",
        () -> ProcessHandle.of(postmaster).isEmpty());
    d1.start(DatabaseRole.PRIMARY, Optional.empty(), T);
    awaitStreaming();
  }

  /** Alive and not a zombie (this machine's init may be slow to reap what SIGKILL left). */
  private static boolean living(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !Postmaster.zombie(pid);
  }

  private void awaitStreaming() throws InterruptedException {
    PgHarness.await(Duration.ofSeconds(30), "node2 streams from node1", () -> {
      for (ReplicaConnection r : d1.probe().replicas()) {
        if (r.applicationName().equals("node2") && r.state().equals("streaming")) {
          return true;
        }
      }
      return false;
    });
  }

  private static void signal(String sig, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertEquals(0, p.waitFor(), "kill -" + sig + " " + pid);
  }
}
