package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.DatabaseRole;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.FenceResult;
import dev.primus.ha.driver.Upstream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
 * {@link DatabaseDriver#fenceFormerPrimary} on real PostgreSQL 15: a replica's driver fences the running
 * primary through its server (a new session cannot write, an open one was ended), a replica and a server that
 * does not listen are reported as such, and the fence does not outlive a start: a copy built from the fenced
 * primary and promoted takes writes, and the fenced primary itself, started again, too.
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
final class FenceIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration FENCE_TIMEOUT = Duration.ofSeconds(2);

  private PgHarness harness;
  private PgHarness.Node n1;
  private PgHarness.Node n2;
  private PgHarness.Node n3;
  private DatabaseDriver d1;
  private DatabaseDriver d2;
  private DatabaseDriver d3;

  @BeforeAll
  void setUp() throws Exception {
    harness = new PgHarness();
    n1 = harness.node("node1");
    n2 = harness.node("node2");
    n3 = harness.node("node3");
    DatabaseProvider provider = ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("postgres")).findFirst().orElseThrow();
    d1 = provider.create(n1.settings());
    d2 = provider.create(n2.settings());
    d3 = provider.create(n3.settings());
  }

  @AfterAll
  void tearDown() throws Exception {
    try {
      for (DatabaseDriver d : new DatabaseDriver[] {d1, d2, d3}) {
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
  void aReplicaFencesTheRunningPrimaryThroughItsServer() throws Exception {
    d1.bootstrap();
    d1.ensureSlots(Set.of("node2"), Map.of());
    d2.createReplica(n1.upstream());
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    try (Connection c = n1.connect()) {
      insert(c, 1);
    }
    Connection open = n1.connect();
    insert(open, 2);

    long t0 = System.nanoTime();
    FenceResult r = d2.fenceFormerPrimary(n1.upstream(), "node2", FENCE_TIMEOUT);
    System.out.println(String.format(Locale.ROOT, "fence: %s in %.0f ms: %s", r.outcome(),
        (System.nanoTime() - t0) / 1e6, r.detail()));
    assertEquals(FenceResult.Outcome.FENCED, r.outcome(), r.detail());
    assertTrue(r.detail().matches(".*, [1-9][0-9]* client session\\(s\\) ended"), r.detail());

    SQLException ended = assertThrows(SQLException.class, () -> insert(open, 3), "the open session was ended");
    System.out.println("fence: the open session: " + ended.getMessage());
    open.close();
    try (Connection c = n1.connect()) {
      SQLException readOnly = assertThrows(SQLException.class, () -> insert(c, 4));
      assertEquals("25006", readOnly.getSQLState(), "read_only_sql_transaction: " + readOnly.getMessage());
      System.out.println("fence: a new session: " + readOnly.getMessage());
    }
    String auto = Files.readString(n1.dataDir().resolve("postgresql.auto.conf"));
    assertTrue(auto.contains("default_transaction_read_only") && auto.contains("primus.fenced_by = 'node2 "), auto);
  }

  @Test
  @Order(2)
  void aReplicaAndAServerThatDoesNotListenAreReportedAndLeftAlone() throws Exception {
    FenceResult replica = d1.fenceFormerPrimary(n2.upstream(), "node1", FENCE_TIMEOUT);
    assertEquals(FenceResult.Outcome.ALREADY_IN_RECOVERY, replica.outcome(), replica.detail());
    assertFalse(Files.readString(n2.dataDir().resolve("postgresql.auto.conf")).contains("primus.fenced_by"));

    long t0 = System.nanoTime();
    FenceResult nobody = d2.fenceFormerPrimary(new Upstream("ghost", "postgres://127.0.0.1:" + PgHarness.freePort()
        + "/postgres"), "node2", FENCE_TIMEOUT);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(FenceResult.Outcome.NOT_REACHABLE, nobody.outcome(), nobody.detail());
    assertTrue(ms < 5_000, "gave up in " + ms + " ms");
  }

  @Test
  @Order(3)
  void aCopyOfTheFencedPrimaryPromotedTakesWrites() throws Exception {
    assertTrue(Files.readString(n1.dataDir().resolve("postgresql.auto.conf")).contains("primus.fenced_by"),
        "the source of the base backup is fenced");
    d3.createReplica(n1.upstream());
    assertTrue(Files.readString(n3.dataDir().resolve("postgresql.auto.conf")).contains("primus.fenced_by"),
        "the base backup carries the fence");
    d3.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);
    d3.promote(T);
    String auto = Files.readString(n3.dataDir().resolve("postgresql.auto.conf"));
    assertFalse(auto.contains("primus.fenced_by") || auto.contains("default_transaction_read_only"), auto);
    try (Connection c = n3.connect()) {
      insert(c, 10);
    }
  }

  @Test
  @Order(4)
  void theFencedPrimaryStartedAgainTakesWrites() throws Exception {
    d1.stop(StopMode.FAST, T);
    d1.start(DatabaseRole.PRIMARY, Optional.empty(), T);
    String auto = Files.readString(n1.dataDir().resolve("postgresql.auto.conf"));
    assertFalse(auto.contains("primus.fenced_by") || auto.contains("default_transaction_read_only"), auto);
    PgHarness.await(Duration.ofSeconds(30), "node1 answers", () -> {
      try (Connection c = n1.connect()) {
        return true;
      } catch (SQLException e) {
        return false;
      }
    });
    try (Connection c = n1.connect()) {
      insert(c, 20);
    }
  }

  private static void insert(Connection c, int id) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.executeUpdate("INSERT INTO primus_it (id, note) VALUES (" + id + ", 'fence')");
    }
  }
}
