package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The store against one real ZooKeeper server: the ZooKeeper-specific mapping, beyond the contract kit. */
class ZooKeeperKeyValueStoreIT {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration LEASE_TTL = Duration.ofMillis(800);
  private static final Duration RETRY = Duration.ofSeconds(3);
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private static TestingServer server;
  private ZooKeeperKeyValueStore store;
  private ZooKeeperKeyValueStore other;
  private String p;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZkServers.single();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void open(TestInfo info) {
    store = ZkServers.store(server.getConnectString(), TTL, RETRY);
    other = ZkServers.store(server.getConnectString(), TTL, RETRY);
    p = "/it" + PREFIXES.incrementAndGet() + "/" + info.getTestMethod().orElseThrow().getName() + "/";
  }

  @AfterEach
  void close() {
    store.close();
    other.close();
  }

  @Test
  void valuesRoundTripAndVersionsAreTheMzxidOfTheWrite() throws Exception {
    String json = "{\"conn_url\":\"postgres://h:5432/postgres\",\"role\":\"primary\",\"xlog_location\":1234}";
    String unicode = "zß水🐘\u0000\u007f";
    WriteResult a = store.put(p + "members/node1", json, Optional.empty());
    WriteResult b = store.put(p + "initialize", "", Optional.empty());
    WriteResult c = store.put(p + "x", unicode, Optional.empty());

    Snapshot s = other.read(p);
    assertEquals(List.of(p + "initialize", p + "members/node1", p + "x"),
        s.entries().stream().map(KeyValue::key).toList(), "keys sorted, directories hidden");
    assertEquals(json, s.get(p + "members/node1").orElseThrow().value());
    assertEquals("", s.get(p + "initialize").orElseThrow().value(), "an empty leaf is a key");
    assertEquals(unicode, s.get(p + "x").orElseThrow().value());
    assertEquals(((WriteResult.Written) a).version(), s.get(p + "members/node1").orElseThrow().version());
    assertEquals(((WriteResult.Written) b).version(), s.get(p + "initialize").orElseThrow().version());
    assertEquals(((WriteResult.Written) c).version(), s.get(p + "x").orElseThrow().version());
    assertTrue(s.revision() >= ((WriteResult.Written) c).version(), "revision covers the writes read");
    assertTrue(s.get(p + "x").orElseThrow().leaseId().isEmpty());
    assertTrue(s.connection().isConnected());
  }

  @Test
  void prefixesAreStringPrefixesLikeEtcd() throws Exception {
    for (String k : List.of("a", "ab", "a/b", "b", "a/b/c")) {
      store.put(p + k, k, Optional.empty());
    }
    assertEquals(List.of(p + "a", p + "a/b", p + "a/b/c", p + "ab"), keys(store.read(p + "a")));
    assertEquals(List.of(p + "a/b", p + "a/b/c"), keys(store.read(p + "a/")));
    assertEquals(List.of(), keys(store.read(p + "zz")));
    assertEquals(List.of(), keys(store.read(p + "nothing/here/")));
    assertTrue(store.read("/").entries().stream().noneMatch(kv -> kv.key().startsWith("/zookeeper")));
  }

  @Test
  void createIfAbsentHasExactlyOneWinnerAmongConcurrentRacers() throws Exception {
    String key = p + "leader";
    int racers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<WriteResult>> results = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        ZooKeeperKeyValueStore s = i % 2 == 0 ? store : other;
        String name = "node" + i;
        Callable<WriteResult> race = () -> {
          go.await();
          return s.createIfAbsent(key, name, Optional.empty());
        };
        results.add(pool.submit(race));
      }
      go.countDown();
      int winners = 0;
      String winnerValue = null;
      for (Future<WriteResult> f : results) {
        WriteResult r = f.get(10, TimeUnit.SECONDS);
        if (r.succeeded()) {
          winners++;
        } else {
          KeyValue current = ((WriteResult.Conflict) r).current().orElseThrow();
          winnerValue = current.value();
        }
      }
      assertEquals(1, winners);
      assertEquals(store.read(key).get(key).orElseThrow().value(), winnerValue, "losers see the winner");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void compareAndSetRejectsStaleVersionsEvenAfterDeleteAndRecreate() throws Exception {
    String key = p + "config";
    long v1 = ((WriteResult.Written) store.createIfAbsent(key, "a", Optional.empty())).version();
    long v2 = ((WriteResult.Written) store.compareAndSet(key, "b", v1, Optional.empty())).version();
    assertTrue(v2 > v1);
    WriteResult stale = other.compareAndSet(key, "c", v1, Optional.empty());
    assertEquals("b", ((WriteResult.Conflict) stale).current().orElseThrow().value());

    // A znode version would be 0 again here; the token must not match anything old.
    assertEquals(DeleteResult.DELETED, store.deleteIfVersion(key, v2));
    long v3 = ((WriteResult.Written) store.createIfAbsent(key, "d", Optional.empty())).version();
    assertNotEquals(v1, v3);
    assertFalse(other.compareAndSet(key, "e", v1, Optional.empty()).succeeded());
    assertEquals(new WriteResult.Conflict(Optional.empty()),
        other.compareAndSet(p + "missing", "x", v3, Optional.empty()));
    assertTrue(other.compareAndSet(key, "f", v3, Optional.empty()).succeeded());
    assertEquals("f", store.read(key).get(key).orElseThrow().value());
  }

  @Test
  void compareValueAndSetAndConditionalDeletes() throws Exception {
    String key = p + "leader";
    store.put(key, "node1", Optional.empty());
    assertFalse(other.compareValueAndSet(key, "node2", "node3", Optional.empty()).succeeded());
    assertTrue(other.compareValueAndSet(key, "node1", "node1", Optional.empty()).succeeded());
    assertEquals(DeleteResult.CONFLICT, store.deleteIfValue(key, "node2"));
    assertEquals(DeleteResult.DELETED, store.deleteIfValue(key, "node1"));
    assertEquals(DeleteResult.ABSENT, store.deleteIfValue(key, "node1"));
    assertEquals(DeleteResult.ABSENT, store.deleteIfVersion(key, 1));
    assertFalse(store.compareValueAndSet(key, "node1", "x", Optional.empty()).succeeded());
  }

  @Test
  void deletingAKeyWithKeysBelowKeepsThem() throws Exception {
    long v = ((WriteResult.Written) store.put(p + "a", "top", Optional.empty())).version();
    store.put(p + "a/b", "below", Optional.empty());
    assertEquals(DeleteResult.DELETED, store.deleteIfVersion(p + "a", v));
    assertEquals(List.of(p + "a/b"), keys(store.read(p)));
    // ... and the directory left behind counts as absent for a create.
    assertTrue(store.createIfAbsent(p + "a", "again", Optional.empty()).succeeded());
    assertEquals(List.of(p + "a", p + "a/b"), keys(store.read(p)));
  }

  @Test
  void deletePrefixRemovesEverythingUnderItAndCountsKeys() throws Exception {
    Lease lease = store.grant(TTL);
    store.put(p + "keep", "1", Optional.empty());
    store.put(p + "gone/a", "1", Optional.empty());
    store.put(p + "gone/b/c", "1", Optional.empty());
    store.put(p + "gone/d", "1", Optional.of(lease));
    store.put(p + "goner", "1", Optional.empty());
    assertEquals(4, other.deletePrefix(p + "gone"));
    assertEquals(List.of(p + "keep"), keys(store.read(p)));
    assertEquals(0, other.deletePrefix(p + "gone"));
  }

  @Test
  void leasedKeysAreEphemeralNodesOfTheLeaseSession() throws Exception {
    Lease lease = store.grant(TTL);
    String key = p + "members/node1";
    store.createIfAbsent(key, "{}", Optional.of(lease));
    assertEquals(Optional.of(lease.id()), other.read(p).get(key).orElseThrow().leaseId());
    assertTrue(other.read(p).get(key).orElseThrow().ownedBy(lease));

    // What Patroni and its tools see: an ephemeral znode under persistent parents.
    ZooKeeper raw = other.mainHandle().orElseThrow();
    Stat stat = raw.exists(key, false);
    assertEquals(lease.id(), Long.toHexString(stat.getEphemeralOwner()));
    assertEquals(0, raw.exists(p + "members", false).getEphemeralOwner());
    assertEquals(0, raw.getData(p + "members", false, null).length, "parents are created empty");
  }

  @Test
  void attachingAndDetachingALeaseReplacesTheNode() throws Exception {
    Lease mine = store.grant(TTL);
    Lease theirs = other.grant(TTL);
    String key = p + "leader";
    long v0 = ((WriteResult.Written) store.put(key, "node1", Optional.empty())).version();
    long v1 = ((WriteResult.Written) store.compareAndSet(key, "node1", v0, Optional.of(mine))).version();
    assertEquals(Optional.of(mine.id()), other.read(key).get(key).orElseThrow().leaseId());
    // Another store's write with its own lease moves the key to that session.
    long v2 = ((WriteResult.Written) other.compareValueAndSet(key, "node1", "node2", Optional.of(theirs))).version();
    assertTrue(v2 > v1);
    KeyValue now = store.read(key).get(key).orElseThrow();
    assertEquals(Optional.of(theirs.id()), now.leaseId());
    assertEquals("node2", now.value());
    // A put without a lease makes it persistent again.
    store.put(key, "node3", Optional.empty());
    assertEquals(Optional.empty(), other.read(key).get(key).orElseThrow().leaseId());
    other.revoke(theirs);
    assertEquals("node3", store.read(key).get(key).orElseThrow().value(), "no longer tied to the lease");
  }

  @Test
  void aLeaseNotKeptAliveForItsTtlLosesItsKeysEvenThoughTheClientStillPings() throws Exception {
    Lease lease = store.grant(LEASE_TTL);
    assertTrue(lease.ttl().compareTo(LEASE_TTL) >= 0, "granted ttl " + lease.ttl());
    store.put(p + "leader", "node1", Optional.of(lease));
    store.put(p + "members/node1", "{}", Optional.of(lease));
    long granted = System.nanoTime();
    // Nobody calls keepAlive: the store's timer closes the session after the ttl.
    Duration took = Eventually.within(lease.ttl().plusSeconds(2), "leased keys vanish",
        () -> other.read(p).entries().isEmpty());
    Duration sinceGrant = Duration.ofNanos(System.nanoTime() - granted);
    assertTrue(sinceGrant.compareTo(lease.ttl().minusMillis(100)) >= 0,
        "keys must live until the ttl passes, vanished after " + sinceGrant + " (polled " + took + ")");
    assertInstanceOf(KeepAliveResult.Expired.class, store.keepAlive(lease));
    DcsException e = assertThrows(DcsException.class,
        () -> store.put(p + "leader", "node1", Optional.of(lease)));
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, e.kind());
  }

  @Test
  void keepAliveKeepsTheKeysPastManyTtls() throws Exception {
    Lease lease = store.grant(LEASE_TTL);
    store.put(p + "leader", "node1", Optional.of(lease));
    long end = System.nanoTime() + lease.ttl().multipliedBy(4).toNanos();
    while (System.nanoTime() < end) {
      assertInstanceOf(KeepAliveResult.Alive.class, store.keepAlive(lease));
      Thread.sleep(lease.ttl().toMillis() / 4);
    }
    assertEquals("node1", other.read(p).get(p + "leader").orElseThrow().value());
  }

  @Test
  void aLeaseExpiredOnTheServerIsReportedAsExpired() throws Exception {
    Lease lease = store.grant(TTL);
    store.put(p + "leader", "node1", Optional.of(lease));
    ZkKill.expire(store.leaseHandle(lease.id()).orElseThrow(), server.getConnectString());
    Eventually.within(Duration.ofSeconds(2), "ephemeral keys of the expired session vanish",
        () -> other.read(p).entries().isEmpty());
    Eventually.within(Duration.ofSeconds(5), "keepAlive reports Expired",
        () -> store.keepAlive(lease) instanceof KeepAliveResult.Expired);
    // A new lease works as before.
    Lease next = store.grant(TTL);
    assertNotEquals(lease.id(), next.id());
    assertTrue(store.createIfAbsent(p + "leader", "node1", Optional.of(next)).succeeded());
  }

  @Test
  void revokeDeletesTheKeysAtOnce() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(30));
    store.put(p + "leader", "node1", Optional.of(lease));
    store.put(p + "status", "{}", Optional.empty());
    store.revoke(lease);
    assertEquals(List.of(p + "status"), keys(other.read(p)), "leased key gone without waiting for the ttl");
    store.revoke(lease); // a no-op
    assertInstanceOf(KeepAliveResult.Expired.class, store.keepAlive(lease));
  }

  @Test
  void closeLeavesLeasedKeysToExpireLikeACrash() throws Exception {
    Lease lease = store.grant(LEASE_TTL);
    store.put(p + "leader", "node1", Optional.of(lease));
    store.close();
    assertEquals(List.of(p + "leader"), keys(other.read(p)), "close does not revoke");
    Eventually.within(lease.ttl().plusSeconds(3), "the server expires the dropped session",
        () -> other.read(p).entries().isEmpty());
    assertEquals(DcsException.Kind.UNAVAILABLE, assertThrows(DcsException.class, () -> store.read(p)).kind());
  }

  @Test
  void watchWakesOnChangesAfterTheRevisionAndTimesOutOtherwise() throws Exception {
    assertTrue(store.capabilities().contains(Capability.WATCH));
    Watchable watch = store.watcher().orElseThrow();
    store.put(p + "a", "1", Optional.empty());
    Snapshot s = store.read(p);

    assertEquals(WatchOutcome.TIMED_OUT, watch.awaitChange(p, s.revision(), Duration.ofMillis(300)));

    // A change between the read and the wait is reported at once (the watch did not exist yet for it).
    Snapshot s2 = store.read(p + "b");
    other.put(p + "b", "1", Optional.empty());
    long start = System.nanoTime();
    assertEquals(WatchOutcome.CHANGED, watch.awaitChange(p + "b", s2.revision(), Duration.ofSeconds(5)));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos());

    // A change while waiting wakes the waiter.
    Snapshot s3 = store.read(p);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<WatchOutcome> waiting = pool.submit(() -> watch.awaitChange(p, s3.revision(), Duration.ofSeconds(10)));
      Thread.sleep(200);
      assertFalse(waiting.isDone());
      long changed = System.nanoTime();
      other.deleteIfValue(p + "a", "1");
      assertEquals(WatchOutcome.CHANGED, waiting.get(5, TimeUnit.SECONDS));
      assertTrue(System.nanoTime() - changed < Duration.ofSeconds(2).toNanos(), "woken promptly");
    } finally {
      pool.shutdownNow();
    }

    // Changes elsewhere do not wake a watcher of this prefix.
    Snapshot s4 = store.read(p + "a");
    other.put(p + "ab", "1", Optional.empty()); // matches p + "a" as a string prefix: wakes
    assertEquals(WatchOutcome.CHANGED, watch.awaitChange(p + "a", s4.revision(), Duration.ofSeconds(5)));
    Snapshot s5 = store.read(p + "a");
    other.put(p + "c", "1", Optional.empty());
    assertEquals(WatchOutcome.TIMED_OUT, watch.awaitChange(p + "a", s5.revision(), Duration.ofMillis(300)));
  }

  @Test
  void leasedKeyExpiryWakesTheWatch() throws Exception {
    Lease lease = store.grant(LEASE_TTL);
    store.put(p + "leader", "node1", Optional.of(lease));
    Snapshot s = other.read(p);
    assertEquals(WatchOutcome.CHANGED,
        other.watcher().orElseThrow().awaitChange(p, s.revision(), lease.ttl().plusSeconds(5)));
    assertTrue(other.read(p).entries().isEmpty());
  }

  @Test
  void badKeysAndHugeValuesAreInvalidRequests() {
    for (String key : List.of("relative", p + "trailing/", p + "double//slash", "/zookeeper/quota", "/")) {
      DcsException e = assertThrows(DcsException.class, () -> store.put(key, "x", Optional.empty()), key);
      assertEquals(DcsException.Kind.INVALID_REQUEST, e.kind(), key);
    }
    String huge = "x".repeat(2 * 1024 * 1024);
    assertEquals(DcsException.Kind.INVALID_REQUEST,
        assertThrows(DcsException.class, () -> store.put(p + "huge", huge, Optional.empty())).kind());
    assertEquals(DcsException.Kind.INVALID_REQUEST,
        assertThrows(DcsException.class, () -> store.read("no-slash")).kind());
  }

  @Test
  void aLeaseCannotBeAttachedToAKeyWithKeysBelowIt() throws Exception {
    Lease lease = store.grant(TTL);
    store.put(p + "dir/child", "1", Optional.empty());
    DcsException e = assertThrows(DcsException.class, () -> store.put(p + "dir", "x", Optional.of(lease)));
    assertEquals(DcsException.Kind.INVALID_REQUEST, e.kind());
    assertTrue(store.put(p + "dir", "x", Optional.empty()).succeeded(), "but it can hold a value");
  }

  @Test
  void anExpiredStoreSessionIsLostThenReconnectedAndKeepsWorking() throws Exception {
    List<ConnectionState> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    store.put(p + "a", "1", Optional.empty());
    Snapshot before = store.read(p);
    ZooKeeper oldHandle = store.mainHandle().orElseThrow();
    store.addConnectionListener(seen::add);
    ZkKill.expire(oldHandle, server.getConnectString());
    Eventually.within(Duration.ofSeconds(10), "LOST then RECONNECTED",
        () -> seen.contains(ConnectionState.LOST) && seen.lastIndexOf(ConnectionState.RECONNECTED) > seen.indexOf(ConnectionState.LOST));
    assertEquals(ConnectionState.RECONNECTED, store.connectionState(), "transitions: " + seen);
    assertNotEquals(oldHandle.getSessionId(), store.mainHandle().orElseThrow().getSessionId());
    // Writes, reads and the watch work on the new session.
    Watchable watch = store.watcher().orElseThrow();
    other.put(p + "b", "2", Optional.empty());
    assertEquals(WatchOutcome.CHANGED, watch.awaitChange(p, before.revision(), Duration.ofSeconds(5)));
    Snapshot after = store.read(p);
    assertEquals(List.of(p + "a", p + "b"), keys(after));
    assertEquals(ConnectionState.RECONNECTED, after.connection());
    other.put(p + "c", "3", Optional.empty());
    assertEquals(WatchOutcome.CHANGED, watch.awaitChange(p, after.revision(), Duration.ofSeconds(5)));
  }

  @Test
  void bytesOnTheWireAreUtf8() throws Exception {
    store.put(p + "k", "é", Optional.empty());
    byte[] raw = other.mainHandle().orElseThrow().getData(p + "k", false, null);
    assertEquals("é", new String(raw, StandardCharsets.UTF_8));
    assertEquals(2, raw.length);
    // And a node written by another ZooKeeper client (Patroni) is read as is.
    ZooKeeper zk = other.mainHandle().orElseThrow();
    zk.create(p + "patroni", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE,
        CreateMode.PERSISTENT);
    assertEquals("{\"a\":1}", store.read(p).get(p + "patroni").orElseThrow().value());
  }

  private static List<String> keys(Snapshot s) {
    return s.entries().stream().map(KeyValue::key).toList();
  }
}
