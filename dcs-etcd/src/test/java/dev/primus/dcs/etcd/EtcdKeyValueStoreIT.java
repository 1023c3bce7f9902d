package dev.primus.dcs.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's own checks against one real etcd member, beyond the shared contract kit. */
class EtcdKeyValueStoreIT {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static EtcdServers etcd;

  private EtcdKeyValueStore store;
  private String prefix;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdServers.start(1);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    store = EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), TTL, RETRY);
    prefix = "/service/t" + UUID.randomUUID().toString().substring(0, 8) + "/";
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void valuesRoundTripByteForByteWithRevisionsAsVersions() throws Exception {
    String json = "{\"conn_url\":\"postgres://10.0.0.1:5432/postgres\",\"state\":\"running\",\"é\":\"日本\"}";
    store.put(prefix.substring(0, prefix.length() - 1) + "x/other", "outside", Optional.empty());
    WriteResult w1 = store.put(prefix + "members/n1", json, Optional.empty());
    WriteResult w2 = store.put(prefix + "config", "", Optional.empty());

    Snapshot s = store.read(prefix);
    assertEquals(List.of(prefix + "config", prefix + "members/n1"), s.entries().stream().map(KeyValue::key).toList());
    KeyValue member = s.get(prefix + "members/n1").orElseThrow();
    assertEquals(json, member.value());
    assertEquals(((WriteResult.Written) w1).version(), member.version());
    assertEquals("", s.get(prefix + "config").orElseThrow().value());
    assertEquals(((WriteResult.Written) w2).version(), s.revision(), "header revision is the newest write");
    assertTrue(member.leaseId().isEmpty());
    assertEquals(ConnectionState.CONNECTED, s.connection());
  }

  @Test
  void keysAreStoredExactlyAsGivenForPatroni() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(30));
    store.createIfAbsent(prefix + "leader", "node1", Optional.of(lease));
    try (Client raw = Client.builder().endpoints(etcd.clientUrls().toArray(URI[]::new)).build()) {
      GetResponse r = raw.getKVClient().get(ByteSequence.from(prefix + "leader", UTF_8)).get(5, TimeUnit.SECONDS);
      assertEquals(1, r.getKvs().size());
      assertEquals("node1", r.getKvs().get(0).getValue().toString(UTF_8));
      assertEquals(Long.parseLong(lease.id()), r.getKvs().get(0).getLease());
    }
    assertTrue(store.read(prefix).get(prefix + "leader").orElseThrow().ownedBy(lease));
    store.revoke(lease);
  }

  @Test
  void createIfAbsentHasExactlyOneWinnerAmongRacers() throws Exception {
    int racers = 8;
    List<EtcdKeyValueStore> clients = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      for (int i = 0; i < racers; i++) {
        clients.add(EtcdKeyValueStore.connect(EtcdConfig.of(etcd.clientUrls()), TTL, RETRY));
      }
      CountDownLatch go = new CountDownLatch(1);
      List<Future<WriteResult>> results = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        KeyValueStore c = clients.get(i);
        String name = "node" + i;
        results.add(pool.submit(() -> {
          go.await();
          return c.createIfAbsent(prefix + "leader", name, Optional.empty());
        }));
      }
      go.countDown();
      int winners = 0;
      for (Future<WriteResult> f : results) {
        WriteResult r = f.get(30, TimeUnit.SECONDS);
        if (r.succeeded()) {
          winners++;
        } else {
          assertTrue(((WriteResult.Conflict) r).current().isPresent(), "a loser sees the winner's key");
        }
      }
      assertEquals(1, winners);
    } finally {
      pool.shutdownNow();
      clients.forEach(EtcdKeyValueStore::close);
    }
  }

  @Test
  void conflictsReportTheCurrentKey() throws Exception {
    store.createIfAbsent(prefix + "leader", "node1", Optional.empty());
    WriteResult r = store.createIfAbsent(prefix + "leader", "node2", Optional.empty());
    KeyValue current = ((WriteResult.Conflict) r).current().orElseThrow();
    assertEquals("node1", current.value());
    assertEquals("node1", store.read(prefix).get(prefix + "leader").orElseThrow().value());
  }

  @Test
  void compareAndSetNeedsTheCurrentVersion() throws Exception {
    long v1 = ((WriteResult.Written) store.put(prefix + "config", "a", Optional.empty())).version();
    WriteResult ok = store.compareAndSet(prefix + "config", "b", v1, Optional.empty());
    long v2 = ((WriteResult.Written) ok).version();
    assertTrue(v2 > v1);

    WriteResult stale = store.compareAndSet(prefix + "config", "c", v1, Optional.empty());
    assertEquals(v2, ((WriteResult.Conflict) stale).current().orElseThrow().version());
    assertEquals("b", store.read(prefix).get(prefix + "config").orElseThrow().value());

    // etcd compares a missing key's revisions as 0: version 0 must still not create it.
    WriteResult absent = store.compareAndSet(prefix + "failover", "x", 0, Optional.empty());
    assertEquals(Optional.empty(), ((WriteResult.Conflict) absent).current());
    assertTrue(store.read(prefix + "failover").entries().isEmpty());
  }

  @Test
  void compareValueAndSetComparesTheValue() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(30));
    store.put(prefix + "leader", "node1", Optional.empty());
    assertFalse(store.compareValueAndSet(prefix + "leader", "node2", "node2", Optional.of(lease)).succeeded());
    assertTrue(store.compareValueAndSet(prefix + "leader", "node1", "node1", Optional.of(lease)).succeeded());
    assertTrue(store.read(prefix).get(prefix + "leader").orElseThrow().ownedBy(lease), "re-attached to the lease");
    WriteResult absent = store.compareValueAndSet(prefix + "nothing", "", "x", Optional.empty());
    assertEquals(Optional.empty(), ((WriteResult.Conflict) absent).current(), "absent key never matches");
    assertTrue(store.read(prefix + "nothing").entries().isEmpty());
    store.revoke(lease);
  }

  @Test
  void conditionalDeletes() throws Exception {
    long v = ((WriteResult.Written) store.put(prefix + "failover", "f", Optional.empty())).version();
    assertEquals(DeleteResult.CONFLICT, store.deleteIfVersion(prefix + "failover", v - 1));
    assertEquals(DeleteResult.DELETED, store.deleteIfVersion(prefix + "failover", v));
    assertEquals(DeleteResult.ABSENT, store.deleteIfVersion(prefix + "failover", v));
    assertEquals(DeleteResult.ABSENT, store.deleteIfVersion(prefix + "failover", 0));

    store.put(prefix + "leader", "node1", Optional.empty());
    assertEquals(DeleteResult.CONFLICT, store.deleteIfValue(prefix + "leader", "node2"));
    assertEquals(DeleteResult.DELETED, store.deleteIfValue(prefix + "leader", "node1"));
    assertEquals(DeleteResult.ABSENT, store.deleteIfValue(prefix + "leader", "node1"));
    assertTrue(store.read(prefix).entries().isEmpty());
  }

  @Test
  void deletePrefixRemovesOnlyThatPrefix() throws Exception {
    String sibling = prefix.substring(0, prefix.length() - 1) + "2/config";
    store.put(prefix + "a", "1", Optional.empty());
    store.put(prefix + "b/c", "2", Optional.empty());
    store.put(sibling, "3", Optional.empty());
    assertEquals(2, store.deletePrefix(prefix));
    assertTrue(store.read(prefix).entries().isEmpty());
    assertEquals("3", store.read(sibling).entries().get(0).value());
    DcsException e = assertThrows(DcsException.class, () -> store.deletePrefix(""));
    assertEquals(DcsException.Kind.INVALID_REQUEST, e.kind());
    store.deletePrefix(sibling);
  }

  @Test
  void leaseLifecycle() throws Exception {
    Lease lease = store.grant(Duration.ofMillis(1500));
    assertEquals(Duration.ofSeconds(2), lease.ttl(), "etcd counts whole seconds; rounded up");
    Long.parseLong(lease.id()); // decimal, as Patroni's etcd3 client shows it
    store.put(prefix + "members/n1", "m", Optional.of(lease));
    store.createIfAbsent(prefix + "leader", "n1", Optional.of(lease));
    Snapshot s = store.read(prefix);
    assertEquals(Optional.of(lease.id()), s.get(prefix + "leader").orElseThrow().leaseId());
    assertEquals(Optional.of(lease.id()), s.get(prefix + "members/n1").orElseThrow().leaseId());

    KeepAliveResult alive = store.keepAlive(lease);
    assertEquals(lease.id(), ((KeepAliveResult.Alive) alive).lease().id());

    store.revoke(lease);
    assertTrue(store.read(prefix).entries().isEmpty(), "revoking deletes every key of the lease");
    assertInstanceOf(KeepAliveResult.Expired.class, store.keepAlive(lease));
    store.revoke(lease); // a no-op now

    DcsException put = assertThrows(DcsException.class, () -> store.put(prefix + "x", "y", Optional.of(lease)));
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, put.kind());
    DcsException create = assertThrows(DcsException.class,
        () -> store.createIfAbsent(prefix + "leader", "n1", Optional.of(lease)));
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, create.kind());
    assertEquals(ConnectionState.CONNECTED, store.connectionState(), "a refused request is still an answer");
  }

  @Test
  void oneKeepAliveIsOneRequestOnTheWire() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(5));
    store.keepAlive(lease); // the stream machinery is warm; counted from here
    double before = keepAliveMessages();
    for (int i = 0; i < 5; i++) {
      assertInstanceOf(KeepAliveResult.Alive.class, store.keepAlive(lease));
    }
    // The server counts a message when it reads it; the repeat jetcd would send follows the answer.
    Thread.sleep(300);
    assertEquals(5.0, keepAliveMessages() - before,
        "5 keepAlive calls must reach etcd as 5 LeaseKeepAlive requests (jetcd's keepAliveOnce repeats its request)");
    store.revoke(lease);
    assertInstanceOf(KeepAliveResult.Expired.class, store.keepAlive(lease), "an expired lease is still reported");
  }

  /** {@code grpc_server_msg_received_total} of {@code LeaseKeepAlive} on the one member. */
  private static double keepAliveMessages() throws Exception {
    URI metrics = URI.create(etcd.members().get(0).metricsUrl() + "/metrics");
    String body = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(metrics).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    return body.lines()
        .filter(l -> l.startsWith("grpc_server_msg_received_total{") && l.contains("grpc_method=\"LeaseKeepAlive\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void anExpiredLeaseTakesItsKeysWithIt() throws Exception {
    Lease lease = store.grant(Duration.ofSeconds(1));
    store.put(prefix + "leader", "n1", Optional.of(lease));
    long deadline = System.nanoTime() + Duration.ofSeconds(1).plusSeconds(4).toNanos();
    while (!store.read(prefix).entries().isEmpty()) {
      assertTrue(System.nanoTime() < deadline, "leased key still there 5 s after a 1 s lease was granted");
      Thread.sleep(100);
    }
    assertInstanceOf(KeepAliveResult.Expired.class, store.keepAlive(lease));
  }

  @Test
  void watchReportsChangesAfterTheGivenRevision() throws Exception {
    assertTrue(store.capabilities().contains(Capability.WATCH));
    Watchable watch = store.watcher().orElseThrow();
    store.put(prefix + "config", "a", Optional.empty());
    long rev = store.read(prefix).revision();

    assertEquals(WatchOutcome.TIMED_OUT, watch.awaitChange(prefix, rev, Duration.ofMillis(300)));

    // A change outside the prefix does not wake it.
    store.put(prefix.substring(0, prefix.length() - 1) + "9/config", "x", Optional.empty());
    assertEquals(WatchOutcome.TIMED_OUT, watch.awaitChange(prefix, rev, Duration.ofMillis(300)));

    // A change the caller has not seen yet is reported at once.
    store.put(prefix + "config", "b", Optional.empty());
    long t0 = System.nanoTime();
    assertEquals(WatchOutcome.CHANGED, watch.awaitChange(prefix, rev, Duration.ofSeconds(10)));
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(2).toNanos());

    // A change made while waiting wakes the waiter.
    long rev2 = store.read(prefix).revision();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      writer.submit(() -> {
        Thread.sleep(300);
        return store.deleteIfValue(prefix + "config", "b");
      });
      t0 = System.nanoTime();
      assertEquals(WatchOutcome.CHANGED, watch.awaitChange(prefix, rev2, Duration.ofSeconds(10)));
      long waited = System.nanoTime() - t0;
      assertTrue(waited < Duration.ofSeconds(3).toNanos(), "woke after " + waited / 1_000_000 + " ms");
    } finally {
      writer.shutdownNow();
    }
  }

  @Test
  void theProviderIsFoundByNameAndReadsPatronisSection() throws Exception {
    DcsProviders providers = DcsProviders.load(getClass().getClassLoader());
    assertTrue(providers.names().contains("etcd3"));
    URI url = etcd.clientUrls().get(0);
    DcsSettings settings = new DcsSettings(Map.of("hosts", url.getHost() + ":" + url.getPort()),
        TTL, RETRY, getClass().getClassLoader());
    try (KeyValueStore s = providers.select("etcd3").create(settings)) {
      assertInstanceOf(EtcdKeyValueStore.class, s);
      assertTrue(s.put(prefix + "p", "v", Optional.empty()).succeeded());
      assertEquals("v", s.read(prefix).get(prefix + "p").orElseThrow().value());
    }
  }

  @Test
  void anUnreachableEndpointIsUnavailableAndSuspends() throws Exception {
    URI nobody = URI.create("http://127.0.0.1:" + freePort());
    try (EtcdKeyValueStore s = EtcdKeyValueStore.connect(EtcdConfig.of(List.of(nobody)), TTL,
        Duration.ofMillis(800))) {
      long t0 = System.nanoTime();
      DcsException read = assertThrows(DcsException.class, () -> s.read(prefix));
      assertEquals(DcsException.Kind.UNAVAILABLE, read.kind(), read.getMessage());
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(3).toNanos(), "bounded by the retry timeout");
      long t1 = System.nanoTime();
      DcsException write = assertThrows(DcsException.class,
          () -> s.createIfAbsent(prefix + "leader", "n1", Optional.empty()));
      assertEquals(DcsException.Kind.UNAVAILABLE, write.kind(), "refused connection: nothing was sent; "
          + write.getMessage());
      assertTrue(System.nanoTime() - t1 < Duration.ofMillis(700).toNanos(),
          "no member reachable: the writer learns it at once, not after the retry timeout");
      assertEquals(ConnectionState.SUSPENDED, s.connectionState());
      assertNotEquals(ConnectionState.CONNECTED, s.connectionState());
    }
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
