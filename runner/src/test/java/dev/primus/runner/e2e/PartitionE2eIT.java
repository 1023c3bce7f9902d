package dev.primus.runner.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Real network partitions (issue 11), the short subset the CI runs: three hosts in network namespaces
 * ({@link PartitionCluster}: one etcd member, one PostgreSQL 15 and one agent per host), a writer from the
 * root namespace committing every 50 ms to whoever {@code GET /primary} names, probes writing to every
 * member, and in order:
 * <ol>
 *   <li>a replica's host cut off ({@code iptables -j DROP} on its link) for 2 x ttl, asynchronous;
 *   <li>the primary's host cut off for 2 x ttl, asynchronous;
 *   <li>the primary's host cut off for 2 x ttl, synchronous mode.
 * </ol>
 * Asserted for each: no write acknowledged by an old primary after the new one's first write; in
 * synchronous mode no acknowledged write missing on the final primary; one primary and two streaming
 * replicas again within {@link #HEAL_BOUND} of healing. The longest write gap is printed, not asserted
 * (issue 11 wants at most one loop_wait when a replica is cut off; the DCS client's member rotation that
 * needs is not in yet). The whole matrix is {@code bench/partitions}.
 *
 * <p>Skipped, with the reason printed, where it cannot run: not root, network namespaces not permitted,
 * {@code ip}/{@code iptables}/etcd/PostgreSQL/{@code primus-pg} missing ({@code .ci/setup} installs them).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionE2eIT {
  static final Timings TIMINGS = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(3));
  static final Duration BOOT = Duration.ofSeconds(240);
  /** How long a scenario waits for the cluster to be whole after healing before it gives up. */
  static final Duration HEAL_LIMIT = Duration.ofSeconds(90);
  /**
   * Asserted: whole again within ttl + loop_wait of healing (issue 11), plus 10 s for a shared two-core
   * machine running a pg_rewind.
   */
  static final Duration HEAL_BOUND = TIMINGS.ttl().plus(TIMINGS.loopWait()).plusSeconds(10);

  private final List<PartitionScenarios.Row> rows = new ArrayList<>();
  private PartitionCluster cluster;
  private PartitionScenarios scenarios;
  private String bootFailed;

  @BeforeAll
  void start() throws Exception {
    Optional<String> why = PartitionCluster.unavailable();
    if (why.isPresent()) {
      System.out.println("partition: SKIPPED: " + why.get());
    }
    Assumptions.assumeTrue(why.isEmpty(), () -> "partition tests skipped: " + why.get());
    cluster = PartitionCluster.start("partition", TIMINGS);
    scenarios = new PartitionScenarios(cluster, HEAL_LIMIT, System.out::println);
    try {
      scenarios.boot(BOOT);
    } catch (Exception | AssertionError e) {
      bootFailed = e.getMessage();
      throw e;
    }
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      if (!rows.isEmpty()) {
        System.out.println("partition summary:");
        System.out.print(PartitionScenarios.table(rows, cluster));
      }
      cluster.close();
    }
  }

  @Test
  @Order(1)
  void isolatingAReplicaKeepsOnePrimary() throws Exception {
    run(PartitionScenarios.Scenario.ISOLATE_REPLICA);
  }

  @Test
  @Order(2)
  void isolatingThePrimaryFailsOverWithoutSplitBrain() throws Exception {
    run(PartitionScenarios.Scenario.ISOLATE_PRIMARY);
  }

  @Test
  @Order(3)
  void isolatingThePrimaryInSynchronousModeLosesNoAcknowledgedWrite() throws Exception {
    requireBooted();
    scenarios.mode(PartitionScenarios.Mode.SYNC);
    run(PartitionScenarios.Scenario.ISOLATE_PRIMARY);
  }

  private PartitionScenarios.Row run(PartitionScenarios.Scenario s) throws Exception {
    requireBooted();
    PartitionScenarios.Row r = scenarios.run(s);
    rows.add(r);
    String what = PartitionScenarios.describe(r);
    assertEquals(0, r.figures().splitBrain(), "writes acknowledged by an old primary after the new one's first: "
        + r.figures().splitBrainAcks() + "\n" + what);
    if (r.mode() == PartitionScenarios.Mode.SYNC) {
      assertEquals(0, r.figures().lost(), "synchronous mode: acknowledged writes missing on the final primary\n"
          + what);
    }
    assertTrue(r.toHealthy().isPresent(), "not whole again after healing\n" + what + "\n" + cluster.logTails());
    assertTrue(r.toHealthy().get().compareTo(HEAL_BOUND) <= 0, "whole again only " + E2eSupport.fmt(
        r.toHealthy().get()) + " after healing, bound " + E2eSupport.fmt(HEAL_BOUND) + "\n" + what);
    assertTrue(r.figures().acked() > 100, "the writer wrote\n" + what);
    return r;
  }

  private void requireBooted() {
    Assumptions.assumeTrue(cluster != null, "not started");
    if (bootFailed != null) {
      throw new AssertionError("the cluster never booted: " + bootFailed);
    }
  }
}
