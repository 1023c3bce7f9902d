package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.ManualClock;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PatroniDcs} on the in-memory DCS with a hand-driven clock: the leader race, renewal,
 * expiry, release, the bootstrap race and the CAS rules. Nothing sleeps; leases expire when a test
 * advances the clock.
 */
final class PatroniDcsTest {
  private static final Duration TTL = Duration.ofSeconds(20);
  private static final ClusterPath PATH = ClusterPath.of("demo");

  private final ManualClock clock = new ManualClock();
  private final InMemoryDcs dcs = new InMemoryDcs(clock);
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private PatroniDcs node(String name) {
    return new PatroniDcs(dcs.client(name), PATH, name, TTL);
  }

  private Optional<KeyValue> onServer(String key) {
    return dcs.peek(key).get(key);
  }

  private static MemberStatus status(String host, MemberRole role, long lsn) {
    return new MemberStatus("postgres://" + host + ":5432/postgres", "http://" + host + ":8008/patroni",
        MemberState.RUNNING, role, Optional.of("4.1.4"), Optional.of(lsn), Optional.of(1L), Optional.empty(),
        Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false,
        Map.of());
  }

  private static String leaseId(PatroniDcs n) {
    return n.currentLease().orElseThrow().id();
  }

  // ================================================================= leader race

  @Test
  void leaderRaceOneWinsTheOtherSeesWhoHoldsIt() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");

    AcquireOutcome first = node1.acquireLeaderLock();
    AcquireOutcome second = node2.acquireLeaderLock();

    assertInstanceOf(AcquireOutcome.Acquired.class, first);
    assertEquals(new AcquireOutcome.HeldBy(Optional.of("node1")), second);
    KeyValue leader = onServer(PATH.leader()).orElseThrow();
    assertEquals("node1", leader.value(), "the leader key is the plain member name");
    assertEquals(Optional.of(leaseId(node1)), leader.leaseId());
    assertEquals(((AcquireOutcome.Acquired) first).version(), leader.version());
    assertTrue(node2.read().isLockedBy("node1"));
  }

  @Test
  void concurrentRaceHasExactlyOneWinner() throws Exception {
    List<PatroniDcs> nodes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      nodes.add(node("node" + i));
    }
    CountDownLatch start = new CountDownLatch(1);
    List<Future<AcquireOutcome>> results = new ArrayList<>();
    for (PatroniDcs n : nodes) {
      results.add(threads.submit(() -> {
        start.await();
        return n.acquireLeaderLock();
      }));
    }
    start.countDown();
    List<String> winners = new ArrayList<>();
    List<Optional<String>> seenHolders = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      AcquireOutcome o = results.get(i).get(10, TimeUnit.SECONDS);
      if (o.acquired()) {
        winners.add(nodes.get(i).memberName());
      } else {
        seenHolders.add(((AcquireOutcome.HeldBy) o).holder());
      }
    }
    assertEquals(1, winners.size(), "exactly one winner: " + winners);
    String winner = winners.get(0);
    assertEquals(winner, onServer(PATH.leader()).orElseThrow().value());
    assertTrue(seenHolders.stream().allMatch(h -> h.equals(Optional.of(winner))), "losers name the winner: " + seenHolders);
  }

  @Test
  void leaderAndMemberKeysShareTheMembersOneLease() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.touchMember(status("10.0.0.1", MemberRole.PRIMARY, 100));
    node1.acquireLeaderLock();

    Optional<String> memberLease = onServer(PATH.member("node1")).orElseThrow().leaseId();
    assertEquals(Optional.of(leaseId(node1)), memberLease);
    assertEquals(memberLease, onServer(PATH.leader()).orElseThrow().leaseId());
  }

  // ================================================================= renewal

  @Test
  void renewalOnTheLiveLeaseIsTheKeepAliveAlone() throws Exception {
    CountingStore counting = new CountingStore(dcs.client("node1"));
    PatroniDcs node1 = new PatroniDcs(counting, PATH, "node1", TTL);
    node1.acquireLeaderLock();
    long version = onServer(PATH.leader()).orElseThrow().version();
    node1.read();
    counting.reset();

    clock.advance(Duration.ofSeconds(15));
    assertEquals(new RenewOutcome.Renewed(RenewOutcome.How.KEPT_ALIVE), node1.renewLeaderLock());
    assertEquals(Map.of("keepAlive", 1), counting.counts(), "one keep-alive, no write");

    clock.advance(Duration.ofSeconds(15));
    KeyValue leader = onServer(PATH.leader()).orElseThrow();
    assertEquals("node1", leader.value(), "30s after the acquisition, 15s after the renewal, ttl 20s: still held");
    assertEquals(version, leader.version(), "the key was not rewritten");
  }

  @Test
  void renewalRightAfterAcquisitionNeedsNoRead() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.acquireLeaderLock();
    assertEquals(new RenewOutcome.Renewed(RenewOutcome.How.KEPT_ALIVE), node1.renewLeaderLock());
  }

  @Test
  void renewalAfterTheLeaseExpiredReportsTheKeyGoneAndDoesNotRecreateIt() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.acquireLeaderLock();
    String oldLease = leaseId(node1);
    node1.read();

    clock.advance(TTL);
    assertEquals(Optional.empty(), onServer(PATH.leader()), "the lease expired and took the key with it");

    assertEquals(new RenewOutcome.Gone(), node1.renewLeaderLock());
    assertEquals(Optional.empty(), onServer(PATH.leader()), "a renewal never re-creates the leader key");
    assertNotEquals(oldLease, leaseId(node1), "the dead lease was replaced all the same, for the member key");

    // Leading again goes through the race, on the new lease.
    assertTrue(node1.acquireLeaderLock().acquired());
    assertEquals(Optional.of(leaseId(node1)), onServer(PATH.leader()).orElseThrow().leaseId());
  }

  @Test
  void renewalAfterTheKeyWasDeletedReportsItGoneAndLeavesItAbsent() throws Exception {
    CountingStore counting = new CountingStore(dcs.client("node1"));
    PatroniDcs node1 = new PatroniDcs(counting, PATH, "node1", TTL);
    MemberStatus me = status("10.0.0.1", MemberRole.PRIMARY, 100);
    node1.touchMember(me);
    node1.acquireLeaderLock();
    String lease = leaseId(node1);
    assertEquals(DeleteResult.DELETED, dcs.client("operator").deleteIfValue(PATH.leader(), "node1"));
    assertFalse(node1.read().leader().isPresent());
    counting.reset();

    assertEquals(new RenewOutcome.Gone(), node1.renewLeaderLock());
    assertEquals(Optional.empty(), onServer(PATH.leader()), "the deleted key stays deleted");
    assertEquals(0, counting.counts().getOrDefault("createIfAbsent", 0), "no create was even tried: " + counting.counts());
    assertEquals(lease, leaseId(node1), "the lease itself is fine and kept");
    assertEquals(Optional.of(lease), onServer(PATH.member("node1")).orElseThrow().leaseId(), "the member key is untouched");
    assertEquals(new RenewOutcome.Gone(), node1.renewLeaderLock(), "and stays gone on the next renewal");
    assertEquals(Optional.empty(), onServer(PATH.leader()));
  }

  @Test
  void aLeaderWhoseKeyWasGoneNeverOverwritesTheMemberThatWonTheRaceMeanwhile() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");
    node1.acquireLeaderLock();
    node1.read();
    clock.advance(TTL);
    assertEquals(new RenewOutcome.Gone(), node1.renewLeaderLock());

    assertTrue(node2.acquireLeaderLock().acquired(), "the lock was free for everybody");
    assertEquals(new AcquireOutcome.HeldBy(Optional.of("node2")), node1.acquireLeaderLock());
    assertEquals(new RenewOutcome.Lost(Optional.of("node2")), node1.renewLeaderLock());
    KeyValue leader = onServer(PATH.leader()).orElseThrow();
    assertEquals("node2", leader.value());
    assertEquals(Optional.of(leaseId(node2)), leader.leaseId());
  }

  @Test
  void renewalAfterTheLeaseExpiredReportsLostWhenAnotherMemberTookIt() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");
    node1.acquireLeaderLock();
    node1.read();

    clock.advance(TTL);
    assertTrue(node2.acquireLeaderLock().acquired());

    assertEquals(new RenewOutcome.Lost(Optional.of("node2")), node1.renewLeaderLock());
    KeyValue leader = onServer(PATH.leader()).orElseThrow();
    assertEquals("node2", leader.value(), "the loser did not touch the winner's lock");
    assertEquals(Optional.of(leaseId(node2)), leader.leaseId());
  }

  @Test
  void renewalWhileAnotherMemberHoldsTheLockIsLost() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");
    node2.acquireLeaderLock();
    assertEquals(new RenewOutcome.Lost(Optional.of("node2")), node1.renewLeaderLock());
    assertEquals("node2", onServer(PATH.leader()).orElseThrow().value());
  }

  @Test
  void restartedAgentMovesItsOwnLockToItsNewLease() throws Exception {
    PatroniDcs before = node("node1");
    before.acquireLeaderLock();
    String oldLease = leaseId(before);

    // The agent restarts: a new connection and a new lease, while the old lease is still alive.
    PatroniDcs after = node("node1");
    assertTrue(after.read().isLockedBy("node1"));
    assertEquals(new RenewOutcome.Renewed(RenewOutcome.How.REATTACHED), after.renewLeaderLock());
    assertEquals(Optional.of(leaseId(after)), onServer(PATH.leader()).orElseThrow().leaseId());

    clock.advance(Duration.ofSeconds(10));
    assertEquals(new RenewOutcome.Renewed(RenewOutcome.How.KEPT_ALIVE), after.renewLeaderLock());
    clock.advance(Duration.ofSeconds(10));
    KeyValue leader = onServer(PATH.leader()).orElseThrow();
    assertEquals("node1", leader.value(), "the old lease expired without taking the lock");
    assertNotEquals(Optional.of(oldLease), leader.leaseId());
  }

  @Test
  void acquiringTwiceOnTheSameLeaseWritesNothing() throws Exception {
    PatroniDcs node1 = node("node1");
    long version = ((AcquireOutcome.Acquired) node1.acquireLeaderLock()).version();
    assertEquals(new AcquireOutcome.Acquired(version), node1.acquireLeaderLock());
    assertEquals(version, onServer(PATH.leader()).orElseThrow().version());
  }

  @Test
  void acquiringALockThatAlreadyHoldsMyNameTakesItOver() throws Exception {
    node("node1").acquireLeaderLock();
    PatroniDcs restarted = node("node1");
    assertTrue(restarted.acquireLeaderLock().acquired());
    assertEquals(Optional.of(leaseId(restarted)), onServer(PATH.leader()).orElseThrow().leaseId());
  }

  @Test
  void aLeaseTheStoreNoLongerKnowsIsGrantedAgain() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.touchMember(status("10.0.0.1", MemberRole.REPLICA, 1));
    String dead = leaseId(node1);
    clock.advance(TTL);

    // PatroniDcs still holds the dead lease: the write fails with LEASE_NOT_FOUND and is retried.
    assertTrue(node1.acquireLeaderLock().acquired());
    String fresh = leaseId(node1);
    assertNotEquals(dead, fresh);
    assertEquals(Optional.of(fresh), onServer(PATH.leader()).orElseThrow().leaseId());
  }

  @Test
  void renewalThenTouchKeepTheLeaseAliveOnce() throws Exception {
    CountingStore counting = new CountingStore(dcs.client("node1"));
    PatroniDcs node1 = new PatroniDcs(counting, PATH, "node1", TTL);
    MemberStatus s = status("10.0.0.1", MemberRole.PRIMARY, 100);
    node1.acquireLeaderLock();
    node1.touchMember(s);
    counting.reset();

    node1.renewLeaderLock();
    assertEquals(TouchOutcome.UNCHANGED, node1.touchMember(s));
    assertEquals(Map.of("keepAlive", 1), counting.counts());

    counting.reset();
    assertEquals(TouchOutcome.UNCHANGED, node1.touchMember(s));
    assertEquals(Map.of("keepAlive", 1), counting.counts(), "a touch without a renewal keeps the lease alive itself");
  }

  // ================================================================= release

  @Test
  void releaseOnlyDeletesMyOwnLock() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");
    node1.acquireLeaderLock();

    assertEquals(ReleaseOutcome.HELD_BY_OTHER, node2.releaseLeaderLock());
    assertEquals("node1", onServer(PATH.leader()).orElseThrow().value());

    assertEquals(ReleaseOutcome.RELEASED, node1.releaseLeaderLock());
    assertEquals(Optional.empty(), onServer(PATH.leader()));
    assertEquals(ReleaseOutcome.ABSENT, node1.releaseLeaderLock());
    assertTrue(node2.acquireLeaderLock().acquired(), "released at once: nobody waits for the ttl");
  }

  // ================================================================= initialize

  @Test
  void bootstrapRaceThenSystemIdentifier() throws Exception {
    PatroniDcs node1 = node("node1");
    PatroniDcs node2 = node("node2");

    WriteResult won = node1.raceInitialize("");
    WriteResult lost = node2.raceInitialize("");
    assertTrue(won.succeeded());
    WriteResult.Conflict conflict = assertInstanceOf(WriteResult.Conflict.class, lost);
    assertEquals("", conflict.current().orElseThrow().value(), "the winner is still bootstrapping");
    assertThrows(IllegalStateException.class, node2::cancelInitialize, "the loser has nothing to cancel");

    long version = ((WriteResult.Written) won).version();
    assertFalse(node1.writeInitialize("7710844693306361226", version - 1).succeeded(), "stale version");
    assertTrue(node1.writeInitialize("7710844693306361226", version).succeeded());
    ClusterView v = node2.read();
    assertEquals("7710844693306361226", v.initialize().orElseThrow().value());
  }

  @Test
  void cancelInitializeDeletesOnlyWhatIWrote() throws Exception {
    PatroniDcs node1 = node("node1");
    assertTrue(node1.raceInitialize("").succeeded());
    assertEquals(DeleteResult.DELETED, node1.cancelInitialize());
    assertEquals(Optional.empty(), onServer(PATH.initialize()));

    assertTrue(node1.raceInitialize("").succeeded());
    dcs.client("admin").put(PATH.initialize(), "123", Optional.empty());
    assertEquals(DeleteResult.CONFLICT, node1.cancelInitialize());
    assertEquals("123", onServer(PATH.initialize()).orElseThrow().value(), "someone else's value stays");
  }

  // ================================================================= members

  @Test
  void touchMemberWritesOnTheLeaseAndSkipsAnUnchangedValue() throws Exception {
    CountingStore counting = new CountingStore(dcs.client("node1"));
    PatroniDcs node1 = new PatroniDcs(counting, PATH, "node1", TTL);
    MemberStatus s = status("10.0.0.1", MemberRole.REPLICA, 100);

    assertEquals(TouchOutcome.WRITTEN, node1.touchMember(s));
    KeyValue kv = onServer(PATH.member("node1")).orElseThrow();
    assertEquals(PatroniCodec.encodeMember(s), kv.value());
    assertEquals(Optional.of(leaseId(node1)), kv.leaseId());
    assertEquals(s, node1.read().member("node1").orElseThrow().status());

    counting.reset();
    assertEquals(TouchOutcome.UNCHANGED, node1.touchMember(s));
    assertEquals(0, counting.count("put"));
    assertEquals(TouchOutcome.WRITTEN, node1.touchMember(status("10.0.0.1", MemberRole.REPLICA, 200)));
    assertEquals(1, counting.count("put"));
  }

  @Test
  void memberKeyExpiresWithItsLeaseAndTheNextTouchBringsItBack() throws Exception {
    PatroniDcs node1 = node("node1");
    MemberStatus s = status("10.0.0.1", MemberRole.REPLICA, 100);
    node1.touchMember(s);
    String first = leaseId(node1);

    clock.advance(TTL);
    assertEquals(Optional.empty(), onServer(PATH.member("node1")));

    assertEquals(TouchOutcome.WRITTEN, node1.touchMember(s), "same value, but the key is gone with its lease");
    KeyValue kv = onServer(PATH.member("node1")).orElseThrow();
    assertNotEquals(Optional.of(first), kv.leaseId());
    assertEquals(Optional.of(leaseId(node1)), kv.leaseId());
  }

  @Test
  void deleteMemberDeletesExactlyThatMember() throws Exception {
    node("node1").touchMember(status("10.0.0.1", MemberRole.REPLICA, 1));
    node("node10").touchMember(status("10.0.0.10", MemberRole.REPLICA, 1));
    PatroniDcs admin = node("admin");

    assertEquals(DeleteResult.DELETED, admin.deleteMember("node1"));
    assertEquals(DeleteResult.ABSENT, admin.deleteMember("node1"));
    assertEquals(Optional.empty(), onServer(PATH.member("node1")));
    assertTrue(onServer(PATH.member("node10")).isPresent(), "node1 is not a prefix delete");
  }

  @Test
  void revokingTheLeaseDropsMemberAndLeaderKeysAtOnce() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.touchMember(status("10.0.0.1", MemberRole.PRIMARY, 1));
    node1.acquireLeaderLock();

    node1.revokeLease();
    assertEquals(Optional.empty(), onServer(PATH.leader()));
    assertEquals(Optional.empty(), onServer(PATH.member("node1")));
    assertEquals(Optional.empty(), node1.currentLease());
    assertEquals(TouchOutcome.WRITTEN, node1.touchMember(status("10.0.0.1", MemberRole.REPLICA, 1)));
  }

  // ================================================================= CAS writes

  @Test
  void configIsCreatedOnceThenChangedOnlyByCas() throws Exception {
    PatroniDcs node1 = node("node1");
    DynamicConfig c1 = new DynamicConfig(Map.of("ttl", 30));
    DynamicConfig c2 = c1.with("pause", true);
    DynamicConfig c3 = c1.with("loop_wait", 5);

    long v1 = assertInstanceOf(WriteResult.Written.class, node1.writeConfig(c1, Optional.empty())).version();
    assertInstanceOf(WriteResult.Conflict.class, node("node2").writeConfig(c3, Optional.empty()),
        "a second bootstrap does not overwrite the config");
    long v2 = assertInstanceOf(WriteResult.Written.class, node1.writeConfig(c2, Optional.of(v1))).version();
    WriteResult stale = node("node3").writeConfig(c3, Optional.of(v1));
    WriteResult.Conflict conflict = assertInstanceOf(WriteResult.Conflict.class, stale, "a stale editor loses");
    assertEquals(PatroniCodec.encodeConfig(c2), conflict.current().orElseThrow().value());

    ClusterView v = node1.read();
    assertEquals(c2, v.config().orElseThrow().value());
    assertEquals(v2, v.config().get().version());
    assertTrue(v.paused());
  }

  @Test
  void failoverCasAndClearWritesEmptyObject() throws Exception {
    PatroniDcs leader = node("node1");
    PatroniDcs api = node("node2");
    FailoverRequest switchover = new FailoverRequest(Optional.of("node1"), Optional.of("node2"), Optional.empty());

    long v1 = assertInstanceOf(WriteResult.Written.class, api.writeFailover(switchover, Optional.empty())).version();
    assertInstanceOf(WriteResult.Conflict.class, api.writeFailover(FailoverRequest.EMPTY, Optional.empty()),
        "one request at a time");
    assertEquals(switchover, leader.read().pendingFailover().orElseThrow().value());

    assertInstanceOf(WriteResult.Conflict.class, leader.clearFailover(v1 - 1), "stale version: no clear");
    assertInstanceOf(WriteResult.Written.class, leader.clearFailover(v1));

    assertEquals("{}", onServer(PATH.failover()).orElseThrow().value(), "cleared, not deleted");
    ClusterView v = leader.read();
    assertTrue(v.failover().orElseThrow().value().isEmpty());
    assertEquals(Optional.empty(), v.pendingFailover());
    long v2 = v.failover().get().version();
    assertInstanceOf(WriteResult.Conflict.class, api.writeFailover(switchover, Optional.of(v1)), "stale");
    assertInstanceOf(WriteResult.Written.class, api.writeFailover(switchover, Optional.of(v2)));
  }

  @Test
  void syncIsWrittenAndDeletedByCas() throws Exception {
    PatroniDcs node1 = node("node1");
    SyncState s1 = new SyncState(Optional.of("node1"), 0, List.of("node2"));
    SyncState s2 = new SyncState(Optional.of("node1"), 1, List.of("node2", "node3"));

    long v1 = assertInstanceOf(WriteResult.Written.class, node1.writeSync(s1, Optional.empty())).version();
    long v2 = assertInstanceOf(WriteResult.Written.class, node1.writeSync(s2, Optional.of(v1))).version();
    assertInstanceOf(WriteResult.Conflict.class, node1.writeSync(s1, Optional.of(v1)));
    assertEquals(s2, node1.read().sync().orElseThrow().value());

    assertEquals(DeleteResult.CONFLICT, node1.deleteSync(v1));
    assertEquals(DeleteResult.DELETED, node1.deleteSync(v2));
    assertEquals(Optional.empty(), node1.read().sync());
  }

  // ================================================================= plain puts, removal, failures

  @Test
  void plainPutsReadBack() throws Exception {
    PatroniDcs node1 = node("node1");
    ClusterStatus status = new ClusterStatus(500, Map.of("node2", 400L), List.of("node2"));
    TimelineHistory history = new TimelineHistory(List.of(new TimelineHistory.Entry(1, 300, "no recovery target specified",
        Optional.of("2026-11-22T04:16:03.398029+00:00"), Optional.of("node1"))));
    long v1 = node1.writeStatus(status);
    assertTrue(node1.writeStatus(status) > v1, "a plain put always writes");
    node1.writeHistory(history);
    node1.writeFailsafe(Map.of("node1", "http://10.0.0.1:8008/patroni"));
    node1.writeLeaderOptime(500);

    ClusterView v = node1.read();
    assertEquals(status, v.status());
    assertEquals(history, v.history());
    assertEquals(Optional.of(Map.of("node1", "http://10.0.0.1:8008/patroni")), v.failsafe());
    assertEquals("500", onServer(PATH.leaderOptime()).orElseThrow().value());
    assertEquals(List.of(), v.invalid());
    assertFalse(onServer(PATH.status()).orElseThrow().leaseId().isPresent(), "status outlives the agent");
  }

  @Test
  void removeClusterDeletesOnlyThisCluster() throws Exception {
    PatroniDcs node1 = node("node1");
    node1.touchMember(status("10.0.0.1", MemberRole.PRIMARY, 1));
    node1.acquireLeaderLock();
    node1.writeConfig(DynamicConfig.EMPTY, Optional.empty());
    PatroniDcs other = new PatroniDcs(dcs.client("x"), ClusterPath.of("demo2"), "node1", TTL);
    other.acquireLeaderLock();

    assertEquals(3, node1.removeCluster());
    assertEquals(List.of(), dcs.peek(PATH.base()).entries());
    assertEquals("node1", onServer("/service/demo2/leader").orElseThrow().value(), "demo2 shares a prefix, not a base");
  }

  @Test
  void anUnreachableStoreIsAnExceptionNotAnOutcome() {
    PatroniDcs node1 = node("node1");
    dcs.setAvailable(false);
    DcsException e = assertThrows(DcsException.class, node1::acquireLeaderLock);
    assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
    assertTrue(e.retryable());
    assertThrows(DcsException.class, node1::read);
  }

  @Test
  void theViewCarriesTheConnectionState() throws Exception {
    InMemoryDcs.Client client = dcs.client("node1");
    PatroniDcs node1 = new PatroniDcs(client, PATH, "node1", TTL);
    assertEquals(ConnectionState.CONNECTED, node1.read().connection());
    client.setReachable(false);
    client.setReachable(true);
    assertEquals(ConnectionState.RECONNECTED, node1.read().connection());
  }

  @Test
  void invalidMemberNamesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> node("a/b"));
    assertThrows(IllegalArgumentException.class, () -> new PatroniDcs(dcs.client("n"), PATH, "n", Duration.ZERO));
  }

  /** Counts the store calls a {@link PatroniDcs} makes, by method name. */
  private static final class CountingStore implements KeyValueStore {
    private final KeyValueStore delegate;
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    CountingStore(KeyValueStore delegate) {
      this.delegate = delegate;
    }

    void reset() {
      counts.clear();
    }

    int count(String method) {
      AtomicInteger n = counts.get(method);
      return n == null ? 0 : n.get();
    }

    Map<String, Integer> counts() {
      Map<String, Integer> out = new java.util.TreeMap<>();
      counts.forEach((k, v) -> out.put(k, v.get()));
      return out;
    }

    private void hit(String method) {
      counts.computeIfAbsent(method, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public Lease grant(Duration ttl) throws DcsException {
      hit("grant");
      return delegate.grant(ttl);
    }

    @Override
    public KeepAliveResult keepAlive(Lease lease) throws DcsException {
      hit("keepAlive");
      return delegate.keepAlive(lease);
    }

    @Override
    public void revoke(Lease lease) throws DcsException {
      hit("revoke");
      delegate.revoke(lease);
    }

    @Override
    public Snapshot read(String prefix) throws DcsException {
      hit("read");
      return delegate.read(prefix);
    }

    @Override
    public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
      hit("createIfAbsent");
      return delegate.createIfAbsent(key, value, lease);
    }

    @Override
    public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
        throws DcsException {
      hit("compareAndSet");
      return delegate.compareAndSet(key, value, expectedVersion, lease);
    }

    @Override
    public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
        throws DcsException {
      hit("compareValueAndSet");
      return delegate.compareValueAndSet(key, expectedValue, value, lease);
    }

    @Override
    public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
      hit("put");
      return delegate.put(key, value, lease);
    }

    @Override
    public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
      hit("deleteIfVersion");
      return delegate.deleteIfVersion(key, expectedVersion);
    }

    @Override
    public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
      hit("deleteIfValue");
      return delegate.deleteIfValue(key, expectedValue);
    }

    @Override
    public long deletePrefix(String prefix) throws DcsException {
      hit("deletePrefix");
      return delegate.deletePrefix(prefix);
    }

    @Override
    public ConnectionState connectionState() {
      return delegate.connectionState();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
