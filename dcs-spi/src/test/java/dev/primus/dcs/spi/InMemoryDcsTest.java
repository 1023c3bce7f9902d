package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.Watchable.WatchOutcome;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's own rules, on a {@link ManualClock}: lease expiry to the instant, the fault
 * controls the simulator drives, and the watch. Nothing here sleeps; time moves only when a test
 * advances the clock.
 */
final class InMemoryDcsTest {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final Duration MS = Duration.ofMillis(1);

  private final ManualClock clock = new ManualClock();
  private final InMemoryDcs dcs = new InMemoryDcs(clock);
  private final InMemoryDcs.Client node1 = dcs.client("node1");
  private final InMemoryDcs.Client node2 = dcs.client("node2");
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void leasedKeyLivesUntilExactlyTtlOnTheClock() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));

    clock.advance(TTL.minus(MS));
    assertTrue(present(node2, "/c/leader"), "one millisecond before the ttl the key is still there");
    clock.advance(MS);
    assertFalse(present(node2, "/c/leader"), "at ttl the lease expires and takes the key (lazily, on this read)");
  }

  @Test
  void keepAliveRestartsTheTtlFromNow() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));
    clock.advance(Duration.ofSeconds(7));
    KeepAliveResult r = node1.keepAlive(lease);
    assertEquals(new KeepAliveResult.Alive(lease), r);

    clock.advance(Duration.ofSeconds(7)); // 14 s after the grant, 7 s after the renewal
    assertTrue(present(node2, "/c/leader"), "a renewed lease counts its ttl from the renewal");
    clock.advance(Duration.ofSeconds(3));
    assertFalse(present(node2, "/c/leader"), "10 s after the renewal the lease is gone");
  }

  @Test
  void expireLeasesDeletesDueKeysWithoutAnyClientCall() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/members/node1", "m", Optional.of(lease));
    node1.put("/c/leader", "node1", Optional.of(lease));
    long before = dcs.revision();

    clock.advance(TTL.minus(MS));
    assertEquals(0, dcs.expireLeases(), "nothing is due yet");
    assertEquals(before, dcs.revision(), "no change before the ttl");
    clock.advance(MS);
    assertEquals(1, dcs.expireLeases(), "one lease is due");
    assertEquals(before + 2, dcs.revision(), "each deleted key is one change");
    assertEquals(0, dcs.peek("/c/").entries().size(), "both keys of the lease are gone");
  }

  @Test
  void expireLeasesWakesABlockedWatcher() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));
    long since = node2.read("/c/").revision();
    AtomicReference<Thread> waiter = new AtomicReference<>();
    Future<WatchOutcome> waiting = threads.submit(() -> {
      waiter.set(Thread.currentThread());
      return node2.awaitChange("/c/", since, Duration.ofMinutes(1));
    });
    awaitParked(waiter);

    clock.advance(TTL);
    dcs.expireLeases();
    assertEquals(WatchOutcome.CHANGED, waiting.get(10, TimeUnit.SECONDS), "the expiry is a change under /c/");
  }

  @Test
  void keepAliveAfterExpiryReportsExpiredAndTheLeaseCannotBeWrittenWith() throws Exception {
    Lease lease = node1.grant(TTL);
    clock.advance(TTL);
    assertInstanceOf(KeepAliveResult.Expired.class, node1.keepAlive(lease));
    DcsException e = assertThrows(DcsException.class, () -> node1.createIfAbsent("/c/leader", "node1", Optional.of(lease)));
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, e.kind());
    assertFalse(e.retryable(), "a dead lease is not fixed by retrying");
    assertFalse(present(node1, "/c/leader"));
  }

  @Test
  void unleasedKeysSurviveTheWritersLeaseExpiry() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));
    node1.put("/c/config", "{}", Optional.empty());
    clock.advance(Duration.ofDays(1));
    Snapshot snap = node2.read("/c/");
    assertFalse(snap.get("/c/leader").isPresent());
    assertEquals("{}", snap.get("/c/config").orElseThrow().value());
  }

  @Test
  void aCutOffClientIsSuspendedThenLostWhileOthersCarryOn() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));

    node1.setReachable(false);
    DcsException e = assertThrows(DcsException.class, () -> node1.read("/c/"));
    assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
    assertTrue(e.retryable());
    assertThrows(DcsException.class, () -> node1.keepAlive(lease));
    assertEquals(ConnectionState.SUSPENDED, node1.connectionState());
    assertEquals(ConnectionState.CONNECTED, node2.connectionState(), "the other node is not affected");

    clock.advance(TTL.minus(MS));
    assertEquals(ConnectionState.SUSPENDED, node1.connectionState(), "short of its lease ttl: suspended");
    assertTrue(present(node2, "/c/leader"), "the lease has not run out yet");
    clock.advance(MS);
    assertEquals(ConnectionState.LOST, node1.connectionState(), "cut off for its lease ttl: lost");
    assertFalse(present(node2, "/c/leader"), "the server expired the cut-off node's lease on schedule");

    node1.setReachable(true);
    assertEquals(ConnectionState.RECONNECTED, node1.connectionState());
    assertInstanceOf(KeepAliveResult.Expired.class, node1.keepAlive(lease), "back, it learns its lease is gone");
    assertEquals(ConnectionState.RECONNECTED, node1.read("/c/").connection(), "snapshots carry the state");
  }

  @Test
  void aCutOffClientWithoutALeaseStaysSuspended() {
    node1.setReachable(false);
    clock.advance(Duration.ofDays(1));
    assertEquals(ConnectionState.SUSPENDED, node1.connectionState());
  }

  @Test
  void aWholeDcsOutageFailsEveryClientButExpiresNoLease() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));
    clock.advance(Duration.ofSeconds(4));

    dcs.setAvailable(false);
    for (InMemoryDcs.Client c : new InMemoryDcs.Client[] {node1, node2}) {
      DcsException e = assertThrows(DcsException.class, () -> c.put("/c/x", "y", Optional.empty()), c.name());
      assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
      assertEquals(ConnectionState.SUSPENDED, c.connectionState(), c.name());
    }
    clock.advance(TTL);
    assertEquals(ConnectionState.LOST, node1.connectionState(), "node1 held a 10 s lease and was cut off for 10 s");
    assertEquals(ConnectionState.SUSPENDED, node2.connectionState(), "node2 never had a lease");
    assertEquals(0, dcs.expireLeases(), "no lease time is counted while the DCS is down");
    assertTrue(dcs.peek("/c/").get("/c/leader").isPresent());

    dcs.setAvailable(true);
    assertEquals(ConnectionState.RECONNECTED, node1.connectionState());
    assertEquals(ConnectionState.RECONNECTED, node2.connectionState());
    clock.advance(TTL.minus(MS));
    assertTrue(present(node2, "/c/leader"), "the lease got a fresh ttl when the DCS came back");
    clock.advance(MS);
    assertFalse(present(node2, "/c/leader"), "and expires one ttl after the recovery");
  }

  @Test
  void aBlockedWatcherThrowsWhenTheDcsGoesDown() throws Exception {
    node1.put("/c/leader", "node1", Optional.empty());
    long since = node2.read("/c/").revision();
    AtomicReference<Thread> waiter = new AtomicReference<>();
    Future<WatchOutcome> waiting = threads.submit(() -> {
      waiter.set(Thread.currentThread());
      return node2.awaitChange("/c/", since, Duration.ofMinutes(1));
    });
    awaitParked(waiter);
    dcs.setAvailable(false);
    java.util.concurrent.ExecutionException e =
        assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
    DcsException cause = assertInstanceOf(DcsException.class, e.getCause());
    assertEquals(DcsException.Kind.UNAVAILABLE, cause.kind());
  }

  @Test
  void theWatchSeesOnlyItsPrefixAndAnswersAtOnceForAnOlderRevision() throws Exception {
    node1.put("/seed", "s", Optional.empty()); // revision 0 would mean "from now"
    long start = node1.read("/").revision();
    node1.put("/c/leader", "node1", Optional.empty());
    node1.put("/cc/leader", "other", Optional.empty());
    assertEquals(WatchOutcome.CHANGED, node2.awaitChange("/c/", start, Duration.ZERO),
        "a change after the given revision is already known");
    long now = node2.read("/").revision();
    node1.put("/cc/leader", "again", Optional.empty());
    assertEquals(WatchOutcome.TIMED_OUT, node2.awaitChange("/c/", now, Duration.ZERO),
        "a change under the sibling /cc/ is not a change under /c/");
    assertEquals(WatchOutcome.TIMED_OUT, node2.awaitChange("/c/", 0, Duration.ZERO), "revision 0 means from now");
  }

  @Test
  void aWatchFromBeyondTheChangeLogIsASpuriousChange() throws Exception {
    node1.put("/seed", "s", Optional.empty()); // revision 0 would mean "from now"
    long start = node1.read("/").revision();
    for (int i = 0; i <= InMemoryDcs.CHANGE_LOG_CAPACITY; i++) {
      node1.put("/elsewhere/k", Integer.toString(i), Optional.empty());
    }
    assertEquals(WatchOutcome.CHANGED, node2.awaitChange("/c/", start, Duration.ZERO),
        "the log no longer reaches back that far, so the watch cannot rule a change out");
  }

  @Test
  void versionsAreUniqueAcrossKeysAndTheRevisionCountsEveryChange() throws Exception {
    Set<Long> versions = new HashSet<>();
    long r0 = dcs.revision();
    for (String key : new String[] {"/c/a", "/c/b", "/c/a", "/d/a"}) {
      WriteResult w = node1.put(key, "v", Optional.empty());
      assertTrue(versions.add(((WriteResult.Written) w).version()), "version reused: " + w);
    }
    assertEquals(DeleteResult.DELETED, node1.deleteIfValue("/c/b", "v"));
    assertEquals(r0 + 5, dcs.revision(), "four writes and a delete");
    assertEquals(dcs.revision(), node2.read("/c/").revision(), "the snapshot carries the revision");
  }

  @Test
  void aClosedClientRefusesCallsButItsLeaseRunsOn() throws Exception {
    Lease lease = node1.grant(TTL);
    node1.put("/c/leader", "node1", Optional.of(lease));
    node1.close();
    assertThrows(IllegalStateException.class, () -> node1.read("/c/"));
    assertEquals(ConnectionState.LOST, node1.connectionState());
    assertTrue(present(node2, "/c/leader"), "close does not revoke: a killed node's key waits for its ttl");
    clock.advance(TTL);
    assertFalse(present(node2, "/c/leader"));
  }

  @Test
  void malformedRequestsAreInvalid() {
    DcsException key = assertThrows(DcsException.class, () -> node1.put("c/leader", "v", Optional.empty()));
    DcsException prefix = assertThrows(DcsException.class, () -> node1.read("c/"));
    DcsException ttl = assertThrows(DcsException.class, () -> node1.grant(Duration.ZERO));
    assertAll(
        () -> assertEquals(DcsException.Kind.INVALID_REQUEST, key.kind()),
        () -> assertEquals(DcsException.Kind.INVALID_REQUEST, prefix.kind()),
        () -> assertEquals(DcsException.Kind.INVALID_REQUEST, ttl.kind()),
        () -> assertFalse(ttl.retryable()));
  }

  @Test
  void leaseIdsAreUniqueAndNameTheirClient() throws Exception {
    Lease a = node1.grant(TTL);
    Lease b = node1.grant(TTL);
    Lease c = dcs.client("node1").grant(TTL);
    assertNotEquals(a.id(), b.id());
    assertNotEquals(a.id(), c.id(), "two clients with one name still get distinct leases");
    assertTrue(a.id().startsWith("node1"), a.id());
  }

  private static boolean present(KeyValueStore s, String key) throws DcsException {
    return s.read("/").get(key).isPresent();
  }

  /** Spins until the watcher thread waits on the monitor; a change before that is caught anyway. */
  private static void awaitParked(AtomicReference<Thread> waiter) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - giveUp < 0) {
      Thread t = waiter.get();
      if (t != null && t.getState() == Thread.State.TIMED_WAITING) {
        return;
      }
      Thread.onSpinWait();
    }
  }
}
