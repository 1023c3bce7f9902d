package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.DatabaseLiveness;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import java.time.Duration;
import java.util.Locale;
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
 * The PostgreSQL driver's {@link DatabaseDriver#liveness} on real PostgreSQL 15: a primary and a streaming
 * replica answer with their roles and positions; after {@code pg_ctl stop -m immediate} and after SIGKILL of
 * the postmaster the answer is {@link DatabaseLiveness.Down}, and a server started again answers again.
 * Prints what one look costs ({@code live-check: ...}).
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
final class LiveCheckIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  private PgHarness harness;
  private PgHarness.Node n1;
  private PgHarness.Node n2;
  private DatabaseDriver d1;
  private DatabaseDriver d2;

  @BeforeAll
  void setUp() throws Exception {
    harness = new PgHarness();
    n1 = harness.node("node1");
    n2 = harness.node("node2");
    DatabaseProvider provider = ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("postgres")).findFirst().orElseThrow();
    d1 = provider.create(n1.settings());
    d2 = provider.create(n2.settings());
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
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
  void aPrimaryAndAReplicaAnswerWithTheirRolesAndPositions() throws Exception {
    assertInstanceOf(DatabaseLiveness.Down.class, d1.liveness(TIMEOUT), "nothing runs before bootstrap");
    d1.bootstrap();
    d1.ensureSlots(Set.of("node2"), java.util.Map.of());
    d2.createReplica(n1.upstream());
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    PgHarness.await(Duration.ofSeconds(30), "node2 streams", () -> d1.probe().replicas().stream()
        .anyMatch(r -> r.applicationName().equals("node2") && r.streaming()));

    DatabaseLiveness.Answering primary = assertInstanceOf(DatabaseLiveness.Answering.class, d1.liveness(TIMEOUT));
    assertEquals(DatabaseRole.PRIMARY, primary.role());
    assertTrue(primary.walPosition() > 0);
    DatabaseLiveness.Answering replica = assertInstanceOf(DatabaseLiveness.Answering.class, d2.liveness(TIMEOUT));
    assertEquals(DatabaseRole.REPLICA, replica.role());
    assertTrue(replica.replayLsn().orElse(0L) > 0, replica.toString());

    System.out.println(String.format(Locale.ROOT, "live-check: one look at a running replica (one query on the kept"
        + " connection) %.0f us", averageMicros(d2, 2000)));
  }

  @Test
  @Order(2)
  void anImmediateStopIsDownAtOnceAndAStartAnswersAgain() throws Exception {
    d2.stop(StopMode.IMMEDIATE, T);
    long t0 = System.nanoTime();
    assertInstanceOf(DatabaseLiveness.Down.class, d2.liveness(TIMEOUT));
    System.out.println(String.format(Locale.ROOT, "live-check: down after an immediate stop, first look %.0f us,"
        + " each look %.0f us", (System.nanoTime() - t0) / 1e3, averageMicros(d2, 2000)));

    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    PgHarness.await(Duration.ofSeconds(30), "node2 answers again",
        () -> d2.liveness(TIMEOUT) instanceof DatabaseLiveness.Answering a && a.role() == DatabaseRole.REPLICA);
  }

  @Test
  @Order(3)
  void aKilledPostmasterIsDownThoughItsPidFileStays() throws Exception {
    assertInstanceOf(DatabaseLiveness.Answering.class, d1.liveness(TIMEOUT));
    PgHarness.crash(n1);
    assertTrue(java.nio.file.Files.exists(n1.dataDir().resolve("postmaster.pid")), "SIGKILL leaves the file");
    assertInstanceOf(DatabaseLiveness.Down.class, d1.liveness(TIMEOUT));
  }

  private static double averageMicros(DatabaseDriver d, int n) {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      d.liveness(TIMEOUT);
    }
    return (System.nanoTime() - t0) / 1e3 / n;
  }
}
