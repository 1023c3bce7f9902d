package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.PgHarness.Node;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.LocalState;
import dev.primus.ha.LocalState.ReplicationSlot;
import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * The PostgreSQL driver's part of permanent logical slots on replicas (issue 10, item 7), on real PostgreSQL 15:
 * the probe reports the slots with their confirmed positions, a replica copies a logical slot's state from the
 * primary (as the rewind user, through {@code pg_read_binary_file}) and restarts with it, advances it to where
 * the primary's consumer confirmed, and once promoted decodes exactly the changes after that position.
 */
@TestInstance(Lifecycle.PER_CLASS)
final class LogicalSlotCopyIT {
  private static final Duration T = Duration.ofSeconds(60);
  private static final Map<String, Object> SUB = Map.of("type", "logical", "database", "postgres", "plugin", "test_decoding");

  private PgHarness harness;
  private Node n1;
  private Node n2;
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
  void aReplicaCopiesAdvancesAndAfterPromotionDecodesFromTheConfirmedPosition() throws Exception {
    d1.bootstrap();
    d1.ensureSlots(Set.of("node2"), Map.of("sub", SUB));
    d2.createReplica(n1.upstream());
    d2.start(DatabaseRole.REPLICA, Optional.of(n1.upstream()), T);

    // A checkpoint logs the running transactions, which lets the slot's restart_lsn pass the replica's base
    // backup once the consumer confirms (the copy needs the WAL from its restart_lsn on the replica).
    try (Connection c = n1.connect()) {
      exec(c, "CHECKPOINT");
      exec(c, "INSERT INTO primus_it SELECT g, 'consumed' FROM generate_series(1, 3) g");
      assertEquals(3, changes(c, "pg_logical_slot_get_changes").size(), "the consumer read and confirmed rows 1-3");
    }
    ReplicationSlot onPrimary = slot(d1.probe(), "sub");
    assertTrue(onPrimary.logical() && onPrimary.database().equals(Optional.of("postgres"))
        && onPrimary.plugin().equals(Optional.of("test_decoding")), onPrimary.toString());
    long confirmed = onPrimary.confirmedFlush().orElseThrow();
    assertTrue(confirmed > 0);
    assertTrue(d2.probe().slots().stream().noneMatch(s -> s.name().equals("sub")), "a standby cannot create it");

    DriverException mismatch = assertThrows(DriverException.class, () -> d2.copyLogicalSlots(n1.upstream(),
        Map.of("sub", Map.of("type", "logical", "database", "postgres", "plugin", "pgoutput")), T));
    assertEquals(Kind.REFUSED, mismatch.kind(), "a slot of another plugin on the primary is not copied");
    DriverException onThePrimary = assertThrows(DriverException.class,
        () -> d1.copyLogicalSlots(n2.upstream(), Map.of("sub", SUB), T));
    assertEquals(Kind.REFUSED, onThePrimary.kind());

    long t0 = System.nanoTime();
    d2.copyLogicalSlots(n1.upstream(), Map.of("sub", SUB), T);
    System.out.printf("timing: copy with restart %.1f s%n", (System.nanoTime() - t0) / 1e9);
    LocalState replica = d2.probe();
    assertEquals(Optional.of(DatabaseRole.REPLICA), replica.role());
    assertEquals(Optional.of("node1"), replica.upstream(), "restarted as the replica of the same upstream");
    assertTrue(slot(replica, "sub").logical());

    // More changes; the consumer confirms rows 4-5 on the primary, not 6-7.
    long target;
    try (Connection c = n1.connect()) {
      exec(c, "INSERT INTO primus_it SELECT g, 'consumed' FROM generate_series(4, 5) g");
      assertEquals(2, changes(c, "pg_logical_slot_get_changes").size());
      target = slot(d1.probe(), "sub").confirmedFlush().orElseThrow();
      exec(c, "INSERT INTO primus_it SELECT g, 'not yet' FROM generate_series(6, 7) g");
    }
    long flush = d1.probe().walPosition();
    PgHarness.await(T, "node2 replays " + flush, () -> d2.probe().replayLsn().orElse(0L) >= flush);
    d2.ensureSlots(Set.of(), Map.of("sub", SUB), Map.of("sub", target));
    assertEquals(Optional.of(target), slot(d2.probe(), "sub").confirmedFlush(), "advanced to the primary's position");
    d2.ensureSlots(Set.of(), Map.of("sub", SUB), Map.of("sub", confirmed));
    assertEquals(Optional.of(target), slot(d2.probe(), "sub").confirmedFlush(), "never moved back");

    PgHarness.crash(n1);
    d2.promote(T);
    try (Connection c = n2.connect()) {
      List<String> after = changes(c, "pg_logical_slot_peek_changes");
      assertEquals(List.of("6", "7"), after, "the promoted replica decodes exactly what the consumer has not confirmed");
    }
  }

  private static ReplicationSlot slot(LocalState s, String name) {
    return s.slots().stream().filter(x -> x.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no slot " + name + " in " + s.slots()));
  }

  /** The ids of the rows inserted into primus_it in the slot's decoded changes. */
  private static List<String> changes(Connection c, String function) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT data FROM " + function + "('sub', NULL, NULL)")) {
      while (rs.next()) {
        String data = rs.getString(1);
        if (data.startsWith("table public.primus_it: INSERT:")) {
          ids.add(data.replaceAll(".*id\\[integer\\]:(\\d+).*", "$1"));
        }
      }
    }
    return ids;
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
