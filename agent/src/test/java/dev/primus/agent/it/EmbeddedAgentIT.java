package dev.primus.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.agent.AgentCommands.SwitchoverResult;
import dev.primus.agent.AgentEvent;
import dev.primus.agent.AgentListener;
import dev.primus.agent.HaSettings;
import dev.primus.agent.PrimusAgent;
import dev.primus.agent.PrimusRuntime;
import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.ha.DatabaseRole;
import dev.primus.ha.SwitchoverRequest;
import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProviders;
import dev.primus.ha.driver.DriverSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three members embedded in this one test JVM through the builder, as a Java control plane would run them:
 * one {@link PrimusRuntime}, one etcd store shared by the three agents, three real PostgreSQL 15 instances
 * (run as {@code primus-pg} when the test runs as root). No REST API anywhere: the agents answer each other's
 * peer queries inside the runtime. Bootstrap; a writer through libpq's multi-host URL; the leader's
 * PostgreSQL SIGKILLed and its agent closed abruptly, so a replica takes over with every acknowledged write;
 * a switchover through {@code commands()}; the events a listener received; and, once everything is closed,
 * the JVM's threads back to what they were. Needs etcd and PostgreSQL 15 ({@code .ci/setup}); fails, never
 * skips, without them.
 */
class EmbeddedAgentIT {
  static final Duration BOOT = Duration.ofSeconds(180);
  static final Duration FAILOVER = Duration.ofSeconds(60);

  @Test
  void threeEmbeddedAgentsBootstrapFailOverSwitchOverAndLeaveNoThreadBehind() throws Exception {
    Pg.requirePostgres();
    Set<Thread> threadsBefore = Threads.live();
    scenario();
    // Checked once the scenario's frame is gone, so nothing it held (the etcd harness's HTTP client too) is
    // still reachable.
    Threads.awaitBackTo(threadsBefore, Duration.ofSeconds(90));
  }

  private void scenario() throws Exception {
    List<AgentEvent> events = new CopyOnWriteArrayList<>();
    try (Pg pg = Pg.create("primus-embedded-it-", 3); EtcdHarnessForAgents etcd = EtcdHarnessForAgents.start(1)) {
      PrimusRuntime runtime = PrimusRuntime.create();
      KeyValueStore store = etcdStore(etcd.hosts());
      List<PrimusAgent> agents = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          PrimusAgent a = embeddedMember(pg, i, store, runtime, events::add);
          agents.add(a);
          a.start();
        }
        Waits.until("one leader and two streaming replicas", BOOT, () -> leaders(agents).size() == 1
            && agents.stream().filter(a -> a.status().role() == MemberRole.REPLICA
                && a.status().local().isRunning()).count() == 2, () -> describe(agents));
        PrimusAgent first = leaders(agents).get(0);
        System.out.println("bootstrap: leader " + first.name() + ", replicas streaming");

        try (Writer writer = Writer.start(pg)) {
          writer.awaitWrites(20, Duration.ofSeconds(60));
          // The leader's host dies: its postmaster is SIGKILLed and its agent stops at once, as a crash would.
          long killedAt = System.nanoTime();
          pg.kill(indexOf(agents, first));
          first.close();
          CLOSED.add(first);
          List<PrimusAgent> rest = agents.stream().filter(a -> a != first).toList();
          Waits.until("a new leader among the other two", FAILOVER, () -> leaders(rest).size() == 1
              && leaders(rest).get(0).status().local().isRunningPrimary(), () -> describe(rest));
          PrimusAgent second = leaders(rest).get(0);
          double failover = (System.nanoTime() - killedAt) / 1e9;
          writer.awaitWritesAfter(10, Duration.ofSeconds(60));
          Writer.Report report = writer.stopAndCheck(pg.port(indexOf(agents, second)));
          System.out.printf("failover: %s SIGKILLed and its agent closed; %s leads after %.1f s; %d acknowledged"
              + " writes, %d missing on the new primary%n", first.name(), second.name(), failover, report.acked(),
              report.missing());
          assertEquals(0, report.missing(), "no acknowledged write may be lost: " + report);

          assertTrue(events.stream().anyMatch(e -> e instanceof AgentEvent.LockAcquired l && l.member().equals(second.name())),
              "the listener heard the new leader take the lock");
          assertTrue(events.stream().anyMatch(e -> e instanceof AgentEvent.RoleChanged r
              && r.member().equals(second.name()) && r.to() == MemberRole.PRIMARY), "and its role change");
          assertTrue(events.stream().anyMatch(e -> e instanceof AgentEvent.DecisionTaken d
              && d.member().equals(second.name()) && d.decision().reason() == dev.primus.ha.Reason.PROMOTING));
        }

        PrimusAgent leader = leaders(agents.stream().filter(a -> !isClosed(a)).toList()).get(0);
        PrimusAgent replica = agents.stream().filter(a -> !isClosed(a) && a != leader).findFirst().orElseThrow();
        Waits.until("the remaining replica streams from the new leader", BOOT, () -> replica.status().local().isRunning()
            && replica.status().role() == MemberRole.REPLICA
            && replica.status().local().upstream().equals(Optional.of(leader.name())), () -> describe(agents));
        long t0 = System.nanoTime();
        SwitchoverResult result = replica.commands().switchover(new SwitchoverRequest(SwitchoverRequest.Kind.SWITCHOVER,
            Optional.of(leader.name()), Optional.of(replica.name()), Optional.empty())).toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
        System.out.printf("switchover %s -> %s through commands(): %s after %.2f s%n", leader.name(), replica.name(),
            result, (System.nanoTime() - t0) / 1e9);
        assertEquals(new SwitchoverResult.Completed(replica.name()), result);
        Waits.until("the old leader back as a replica", BOOT, () -> leader.status().local().isRunning()
            && leader.status().local().role().orElse(null) == DatabaseRole.REPLICA, () -> describe(agents));

        for (PrimusAgent a : agents) {
          if (!isClosed(a)) {
            PrimusAgent.ShutdownReport r = a.shutdown();
            assertTrue(r.databaseStopped(), a.name() + ": " + r);
          }
        }
      } finally {
        agents.forEach(PrimusAgent::close);
        store.close();
        runtime.close();
      }
    }
  }

  /** The agents this test closed abruptly (their status is the last one they published). */
  private static final Set<PrimusAgent> CLOSED = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

  private static boolean isClosed(PrimusAgent a) {
    return CLOSED.contains(a);
  }

  // README:begin embedding
  /** One etcd client for every member of this JVM: etcd3.hosts, ttl and retry_timeout as in patroni.yml. */
  static KeyValueStore etcdStore(String hosts) throws Exception {
    ClassLoader cl = EmbeddedAgentIT.class.getClassLoader();
    return DcsProviders.load(cl).select("etcd3")
        .create(new DcsSettings(Map.of("hosts", hosts), Duration.ofSeconds(10), Duration.ofSeconds(2), cl));
  }

  /** Member {@code i} of the cluster "embedded", on the runtime and the store every member shares. */
  static PrimusAgent embeddedMember(Pg pg, int i, KeyValueStore store, PrimusRuntime runtime, AgentListener listener)
      throws Exception {
    String name = "node" + (i + 1);
    ClassLoader cl = EmbeddedAgentIT.class.getClassLoader();
    // pg.section(i) is the member's `postgresql:` section of patroni.yml as a map (data_dir, listen, ...).
    DatabaseDriver postgres = DatabaseProviders.load(cl).select("postgres")
        .create(new DriverSettings(name, pg.section(i), pg.bootstrap(), Map.of(), cl));
    HaSettings ha = HaSettings.defaults().withBootstrapDcs(new DynamicConfig(Map.of(
        "ttl", 10, "loop_wait", 1, "retry_timeout", 2, "postgresql", Map.of("use_pg_rewind", true))));
    return PrimusAgent.builder()
        .cluster("embedded")
        .member(name, "http://127.0.0.1:" + (18000 + i) + "/patroni", "postgres://127.0.0.1:" + pg.port(i) + "/postgres")
        .store(store)
        .database(postgres)
        .ha(ha)
        .runtime(runtime)
        .listener(listener)
        .build();
  }
  // README:end embedding

  static List<PrimusAgent> leaders(List<PrimusAgent> agents) {
    return agents.stream().filter(a -> !isClosed(a) && a.status().role() == MemberRole.PRIMARY
        && a.status().isLeaderAt(a.clock().instant())).toList();
  }

  static int indexOf(List<PrimusAgent> agents, PrimusAgent a) {
    return agents.indexOf(a);
  }

  static String describe(List<PrimusAgent> agents) {
    StringBuilder b = new StringBuilder();
    for (PrimusAgent a : agents) {
      var s = a.status();
      b.append("  ").append(a.name()).append(": ").append(s.role().wire()).append(' ').append(s.state().wire())
          .append(isClosed(a) ? " (closed)" : "").append(", ")
          .append(s.lastDecision().map(d -> d.message()).orElse("no decision yet")).append('\n');
    }
    return b.toString();
  }
}
