package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A 3-server ensemble losing one member: the ZooKeeper leader, or the server a client is connected to.
 * The store keeps working within its deadlines, and a lease kept alive through the failover keeps its
 * keys (sessions are replicated state, not a server's).
 */
class ZooKeeperEnsembleIT {
  private static final Duration STORE_TTL = Duration.ofSeconds(6);
  private static final Duration RETRY = Duration.ofSeconds(3);
  private static final Duration LEASE_TTL = Duration.ofSeconds(4);

  private TestingCluster cluster;
  private ZooKeeperKeyValueStore agent;
  private ZooKeeperKeyValueStore other;

  @BeforeEach
  void start() throws Exception {
    cluster = ZkServers.ensemble(3);
    agent = ZkServers.store(cluster.getConnectString(), STORE_TTL, RETRY);
    other = ZkServers.store(cluster.getConnectString(), STORE_TTL, RETRY);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
    other.close();
    cluster.close();
  }

  @Test
  void killingTheZooKeeperLeaderDoesNotCostTheLockOrTheData() throws Exception {
    Lease lease = agent.grant(LEASE_TTL);
    assertTrue(agent.createIfAbsent("/svc/pg/leader", "node1", Optional.of(lease)).succeeded());
    long configVersion = ((WriteResult.Written) agent.put("/svc/pg/config", "{\"ttl\":30}", Optional.empty())).version();

    InstanceSpec leader = zooKeeperLeader();
    List<String> keepAliveErrors = new CopyOnWriteArrayList<>();
    AtomicBoolean expired = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    // The agent's loop: keep the lease alive every ttl/4 whatever happens to the ensemble.
    Thread loop = new Thread(() -> {
      while (running.get()) {
        try {
          if (agent.keepAlive(lease) instanceof KeepAliveResult.Expired) {
            expired.set(true);
          }
        } catch (DcsException e) {
          keepAliveErrors.add(e.kind() + ": " + e.getMessage());
        }
        try {
          Thread.sleep(LEASE_TTL.toMillis() / 4);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "keep-alive");
    loop.start();
    try {
      Snapshot before = other.read("/svc/pg/");
      assertTrue(cluster.killServer(leader), "killed the ZooKeeper leader " + leader.getServerId());

      // A new leader is elected among the two left, and writes work again.
      Eventually.within(Duration.ofSeconds(20), "a write after the failover",
          () -> tryPut(other, "/svc/pg/status", "{\"optime\":1}"));
      Eventually.within(Duration.ofSeconds(10), "a new ZooKeeper leader",
          () -> cluster.getInstances().stream()
              .anyMatch(i -> i != leader && ZkServers.mode(i.getPort()).filter("leader"::equals).isPresent()));

      // Let the lease live through at least one more ttl after the failover.
      Thread.sleep(LEASE_TTL.toMillis());
      assertFalse(expired.get(), "the lease expired during the failover; keep-alive errors: " + keepAliveErrors);
      Snapshot after = other.read("/svc/pg/");
      KeyValue lock = after.get("/svc/pg/leader").orElseThrow();
      assertTrue(lock.ownedBy(lease), "the leader key is still attached to the lease: " + lock);
      assertEquals(configVersion, after.get("/svc/pg/config").orElseThrow().version(), "data survived unchanged");
      assertTrue(after.revision() > before.revision());
      assertTrue(agent.compareValueAndSet("/svc/pg/leader", "node1", "node1", Optional.of(lease)).succeeded(),
          "the lock holder can still write with its lease");

      // The watch works on the surviving servers.
      Snapshot s = agent.read("/svc/pg/");
      other.put("/svc/pg/history", "[]", Optional.empty());
      assertEquals(WatchOutcome.CHANGED,
          agent.watcher().orElseThrow().awaitChange("/svc/pg/", s.revision(), Duration.ofSeconds(5)));

      // The killed member comes back and catches up.
      assertTrue(cluster.restartServer(leader));
      try (ZooKeeperKeyValueStore direct = ZkServers.store("127.0.0.1:" + leader.getPort(), STORE_TTL, RETRY)) {
        Eventually.within(Duration.ofSeconds(20), "the restarted member serves the data written without it",
            () -> tryRead(direct, "/svc/pg/").map(x -> x.get("/svc/pg/history").isPresent()).orElse(false));
      }
    } finally {
      running.set(false);
      loop.interrupt();
      loop.join();
    }
  }

  @Test
  void killingTheServerAClientIsConnectedToMovesTheSessionElsewhere() throws Exception {
    Lease lease = agent.grant(LEASE_TTL);
    agent.put("/svc/pg/members/node1", "{}", Optional.of(lease));
    ZxidZooKeeper main = agent.mainHandle().orElseThrow();
    long sessionBefore = main.getSessionId();
    InstanceSpec connectedTo = cluster.findConnectionInstance(main);
    InstanceSpec leaseServer = cluster.findConnectionInstance(agent.leaseHandle(lease.id()).orElseThrow());

    assertTrue(cluster.killServer(connectedTo));
    Eventually.within(Duration.ofSeconds(20), "a read through another server",
        () -> tryRead(agent, "/svc/pg/").isPresent());
    Eventually.within(Duration.ofSeconds(10), "keepAlive through another server",
        () -> tryKeepAlive(agent, lease));
    assertEquals(sessionBefore, agent.mainHandle().orElseThrow().getSessionId(), "the same session moved over");
    assertNotEquals(connectedTo, cluster.findConnectionInstance(agent.mainHandle().orElseThrow()));
    if (leaseServer.equals(connectedTo)) {
      assertNotEquals(connectedTo, cluster.findConnectionInstance(agent.leaseHandle(lease.id()).orElseThrow()));
    }
    assertTrue(other.read("/svc/pg/").get("/svc/pg/members/node1").orElseThrow().ownedBy(lease));
  }

  /** The member that reports "Mode: leader"; waits for one, as the ensemble may still be electing. */
  private InstanceSpec zooKeeperLeader() throws Exception {
    InstanceSpec[] found = new InstanceSpec[1];
    Eventually.within(Duration.ofSeconds(10), "an elected ZooKeeper leader", () -> {
      for (InstanceSpec i : cluster.getInstances()) {
        if (ZkServers.mode(i.getPort()).filter("leader"::equals).isPresent()) {
          found[0] = i;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  private static boolean tryPut(ZooKeeperKeyValueStore s, String key, String value) {
    try {
      return s.put(key, value, Optional.empty()).succeeded();
    } catch (DcsException e) {
      return false;
    }
  }

  private static Optional<Snapshot> tryRead(ZooKeeperKeyValueStore s, String prefix) {
    try {
      return Optional.of(s.read(prefix));
    } catch (DcsException e) {
      return Optional.empty();
    }
  }

  private static boolean tryKeepAlive(ZooKeeperKeyValueStore s, Lease lease) {
    try {
      return s.keepAlive(lease) instanceof KeepAliveResult.Alive;
    } catch (DcsException e) {
      return false;
    }
  }
}
