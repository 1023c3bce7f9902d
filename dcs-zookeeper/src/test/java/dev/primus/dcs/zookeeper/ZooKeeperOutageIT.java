package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stopping and restarting a real server (same port, same data): the store reports SUSPENDED, then
 * RECONNECTED, or LOST once it was gone longer than its session timeout; calls meanwhile fail within
 * their deadline as retryable, and leases that are kept alive across a short outage survive it.
 */
class ZooKeeperOutageIT {
  /** Longer than the short outage below, so that one stays SUSPENDED; the LOST test uses its own. */
  private static final Duration STORE_TTL = Duration.ofSeconds(10);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private TestingServer server;
  private ZooKeeperKeyValueStore store;
  private ZooKeeperKeyValueStore observer;

  @BeforeEach
  void start() throws Exception {
    server = ZkServers.single();
    store = ZkServers.store(server.getConnectString(), STORE_TTL, RETRY);
    observer = ZkServers.store(server.getConnectString(), STORE_TTL, RETRY);
  }

  @AfterEach
  void stop() throws Exception {
    store.close();
    observer.close();
    server.close();
  }

  @Test
  void aShortOutageIsSuspendedThenReconnectedAndKeptAliveLeasesSurvive() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(10));
    store.put("/svc/pg/leader", "node1", Optional.of(lease));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    StateRecorder states = new StateRecorder(store);
    try {
      Snapshot before = store.read("/svc/pg/");
      Future<WatchOutcome> watching = pool.submit(
          () -> store.watcher().orElseThrow().awaitChange("/svc/pg/", before.revision(), Duration.ofSeconds(30)));
      Thread.sleep(100);

      server.stop();
      Eventually.within(Duration.ofSeconds(3), "SUSPENDED", () -> store.connectionState() == ConnectionState.SUSPENDED);
      assertEquals(WatchOutcome.CHANGED, watching.get(3, TimeUnit.SECONDS),
          "a connection loss ends a wait: changes may be missed while disconnected");

      long start = System.nanoTime();
      DcsException e = assertThrows(DcsException.class, () -> store.read("/svc/pg/"));
      long took = System.nanoTime() - start;
      assertTrue(e.retryable(), e.kind().toString());
      assertTrue(took < RETRY.plusMillis(500).toNanos(), "a call ends by its deadline, took " + took / 1_000_000 + " ms");
      assertTrue(assertThrows(DcsException.class, () -> store.keepAlive(lease)).retryable(),
          "an unconfirmable keep-alive is an error, not Expired");
      assertTrue(assertThrows(DcsException.class,
          () -> store.put("/svc/pg/status", "{}", Optional.empty())).retryable());

      server.restart();
      Eventually.within(Duration.ofSeconds(5), "RECONNECTED",
          () -> store.connectionState() == ConnectionState.RECONNECTED);
      // Listeners hear of a state on Curator's event thread, after the store's own state says it: on a busy
      // machine the recorder was a moment behind the assertion (a clean-clone CI run).
      Eventually.within(Duration.ofSeconds(3), "the listener hearing RECONNECTED",
          () -> states.transitions().contains(ConnectionState.RECONNECTED));
      assertEquals(List.of(ConnectionState.CONNECTED, ConnectionState.SUSPENDED, ConnectionState.RECONNECTED),
          states.transitions(), "no LOST: the outage was shorter than the session timeout");
      // The lease's session lived through it (the restarted server restores sessions): keep it alive.
      Eventually.within(Duration.ofSeconds(3), "the lease session is back",
          () -> store.keepAlive(lease) instanceof KeepAliveResult.Alive);
      // The observer reconnects on its own schedule (ZooKeeper's client waits up to a second between tries).
      Eventually.within(Duration.ofSeconds(5), "the leased key, seen by another client",
          () -> observer.read("/svc/pg/").get("/svc/pg/leader").map(kv -> kv.ownedBy(lease)).orElse(false));
      assertTrue(store.put("/svc/pg/status", "{}", Optional.empty()).succeeded());
      assertEquals(ConnectionState.RECONNECTED, store.read("/svc/pg/").connection());
    } finally {
      states.close();
      pool.shutdownNow();
    }
  }

  @Test
  void anOutageLongerThanTheSessionTimeoutIsLostAndTheLeaseIsGoneAfterwards() throws Exception {
    Duration shortTtl = Duration.ofSeconds(2);
    try (ZooKeeperKeyValueStore quick = ZkServers.store(server.getConnectString(), shortTtl, RETRY);
        StateRecorder states = new StateRecorder(quick)) {
      Lease lease = quick.grant(Duration.ofSeconds(1));
      quick.put("/svc/pg/leader", "node1", Optional.of(lease));
      server.stop();
      Eventually.within(shortTtl.plusSeconds(3), "LOST", () -> quick.connectionState() == ConnectionState.LOST);
      // Past its ttl with no server to close it on: the lease is unconfirmed, and says so as an error.
      assertTrue(assertThrows(DcsException.class, () -> quick.keepAlive(lease)).retryable());

      server.restart();
      Eventually.within(Duration.ofSeconds(5), "RECONNECTED after LOST",
          () -> quick.connectionState() == ConnectionState.RECONNECTED);
      assertTrue(states.transitions().containsAll(List.of(ConnectionState.SUSPENDED, ConnectionState.LOST)),
          states.transitions().toString());
      // Once a server answers, the overdue lease is closed (or found expired): its keys go.
      Eventually.within(Duration.ofSeconds(5), "the overdue lease's key vanishes",
          () -> observer.read("/svc/pg/").entries().isEmpty());
      assertInstanceOf(KeepAliveResult.Expired.class, quick.keepAlive(lease));
      Lease next = quick.grant(Duration.ofSeconds(1));
      assertTrue(quick.createIfAbsent("/svc/pg/leader", "node1", Optional.of(next)).succeeded());
    }
  }

  @Test
  void aStoreCreatedWhileTheServerIsDownConnectsWhenItComesUp() throws Exception {
    server.stop();
    try (ZooKeeperKeyValueStore late = new ZooKeeperKeyValueStore(
        ZooKeeperConfig.of(server.getConnectString(), STORE_TTL, RETRY))) {
      assertEquals(ConnectionState.SUSPENDED, late.connectionState());
      DcsException e = assertThrows(DcsException.class, () -> late.grant(Duration.ofSeconds(1)));
      assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
      server.restart();
      Eventually.within(Duration.ofSeconds(5), "CONNECTED", () -> late.connectionState() == ConnectionState.CONNECTED);
      assertTrue(late.put("/late/k", "v", Optional.empty()).succeeded());
    }
  }
}
