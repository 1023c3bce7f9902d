package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.primus.dcs.spi.Watchable.WatchOutcome;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The semantics every {@link KeyValueStore} must keep, checked against a live store. Every backend
 * (etcd, ZooKeeper, Consul, a vendor's, and {@link InMemoryDcs}) runs this class unchanged; Primus's
 * leader race, lock renewal and CAS rules are built on exactly these checks.
 *
 * <h2>How to run it against your store</h2>
 * Add the test-jar ({@code dev.primus:primus-dcs-spi}, {@code <type>test-jar</type>}, test scope) and
 * {@code org.junit.jupiter:junit-jupiter} to your module, then subclass:
 *
 * <pre>{@code
 * class MyStoreContractTest extends KeyValueStoreContract {
 *   static MyTestServer server;                       // a real server, started once
 *
 *   @BeforeAll static void start() { server = MyTestServer.start(); }
 *   @AfterAll static void stop() { server.close(); }
 *
 *   @Override protected KeyValueStore newClient() { return MyStore.connect(server.endpoint()); }
 *   @Override protected Optional<OutageControl> outageControl() {   // if the harness can do it
 *     return Optional.of(OutageControl.of(server::stop, server::restart));
 *   }
 * }
 * }</pre>
 *
 * Do not override the checks (they are final); a check your store cannot pass is a bug in the store
 * or in this kit, and either deserves an issue.
 *
 * <h2>Hooks</h2>
 * <ul>
 *   <li>{@link #newClient()}: a new, independent client of the same store, each with its own
 *       connection and session, as if on another node. The kit opens several (up to {@value #RACERS}
 *       for the create-if-absent race) and closes every client it opened after each check.</li>
 *   <li>{@link #leaseTtl()} (default 2 s): the ttl the kit asks for. A store may grant more (Consul's
 *       minimum session TTL is 10 s); the kit then uses the granted {@link Lease#ttl()}.</li>
 *   <li>{@link #expiryBound()} (default 3 s): the slack after the ttl for a leased key to vanish once
 *       keep-alives stop (etcd checks leases every 500 ms; Consul may wait up to twice the TTL, so a
 *       Consul backend raises this).</li>
 *   <li>{@link #watchBound()} (default 2 s): how soon a native watch, or {@link PollingWatch} after
 *       its interval, must report a change made by another client.</li>
 *   <li>{@link #outageControl()} (default empty): how the test harness cuts every client off from
 *       the store and restores it (stop and restart the server, or cut a proxy in front of it), as an
 *       {@link OutageControl}. Without one, the two outage checks are skipped with a message saying
 *       so. The kit always calls {@code makeReachable()} after {@code makeUnreachable()}, even when a
 *       check fails.</li>
 *   <li>{@link #unreachableDetectionBound()} (default 10 s): how soon the loss and the return of the
 *       store must show in {@link KeyValueStore#connectionState()}, and the longest any single request
 *       may take while the store is unreachable. Keep it above your request deadline.</li>
 * </ul>
 *
 * <h2>The bounds the kit enforces</h2>
 * <ul>
 *   <li>Lease expiry: a leased key must still exist until the granted ttl has passed since the grant
 *       was sent (100 ms tolerance: a lock that expires early lets a second leader in while the first
 *       still trusts its lease), and must be gone by granted ttl + {@code expiryBound()} after the grant
 *       returned. Kept alive every ttl/4, it must stay for at least 2 &times; ttl.</li>
 *   <li>Revoke deletes the lease's keys before it returns: the next read, from any client, no longer
 *       sees them.</li>
 *   <li>Watch: wakes within {@code watchBound()} after a create, an update or a delete under the
 *       prefix by another client; with nothing changing it returns {@code TIMED_OUT}, not before its
 *       timeout.</li>
 *   <li>Outage (with an {@link #outageControl()}): non-connected within
 *       {@code unreachableDetectionBound()} of {@code makeUnreachable()},
 *       connected within the same bound of {@code makeReachable()}; every request meanwhile throws a
 *       {@link DcsException} whose kind is retryable, within that bound too.</li>
 * </ul>
 * Polling is used where real time is inherent (lease expiry, reconnection), with the bound as
 * deadline; every assertion message names the bound and its value.
 *
 * <h2>Keys and isolation</h2>
 * Each check works under its own prefix, {@code /primus-kit/<check>-<random>/}, and deletes it
 * afterwards (best effort), so checks can share one long-lived server with other tests. Prefixes
 * passed to {@link KeyValueStore#read} end with {@code /}, as Primus's always do. The outage checks
 * affect the whole server: do not run them in parallel with other tests of the same server. Each
 * check is capped at 5 minutes (in a separate thread, so a hung client cannot hang the build);
 * annotate the subclass with {@link Timeout} to change that.
 *
 * <h2>Capabilities and skipped checks</h2>
 * Checks of an optional {@link Capability} the store does not declare, and the outage checks when the
 * subclass supplies no {@link #outageControl()}, are skipped with a message that says so, never passed
 * silently. {@link PollingWatch}, the fallback, is checked for every store.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class KeyValueStoreContract {

  /** How many clients race in the create-if-absent checks. */
  protected static final int RACERS = 8;

  private static final long POLL_MILLIS = 50;
  private static final Duration EARLY_EXPIRY_TOLERANCE = Duration.ofMillis(100);
  private static final Duration POLLING_WATCH_INTERVAL = Duration.ofMillis(100);
  /** For steps that have no stated bound but must not hang the build (racers, cleanup). */
  private static final Duration GENEROUS = Duration.ofSeconds(60);

  private final List<KeyValueStore> opened = new ArrayList<>();
  private ExecutorService pool;
  private KeyValueStore store;
  private String prefix;
  /** The control of the outage this check started and has not yet undone; null when none. */
  private OutageControl outage;

  // ---------------------------------------------------------------- hooks

  /**
   * A new client of the store under test, connected (or connecting) to the same server as every
   * other client this method returns. The kit closes every client it gets.
   */
  protected abstract KeyValueStore newClient() throws Exception;

  /** The ttl the kit asks for when it grants a lease. Default 2 s. */
  protected Duration leaseTtl() {
    return Duration.ofSeconds(2);
  }

  /** The slack allowed after a lease's ttl for its keys to vanish. Default 3 s. */
  protected Duration expiryBound() {
    return Duration.ofSeconds(3);
  }

  /** How soon a watch must report a change made by another client. Default 2 s. */
  protected Duration watchBound() {
    return Duration.ofSeconds(2);
  }

  /**
   * How the test harness makes the store unreachable for every client and reachable again, if it can.
   * Default: empty, and the outage checks are skipped with a message that says so. Asked once by each
   * outage check, after the check's first client was opened.
   */
  protected Optional<OutageControl> outageControl() {
    return Optional.empty();
  }

  /**
   * How soon an outage and the recovery from it must show in the connection state, and the longest a
   * single request may take while the store is unreachable. Default 10 s.
   */
  protected Duration unreachableDetectionBound() {
    return Duration.ofSeconds(10);
  }

  // ---------------------------------------------------------------- lifecycle

  @BeforeEach
  protected final void choosePrefix(TestInfo info) {
    String check = info.getTestMethod().map(Method::getName).orElse("check");
    prefix = "/primus-kit/" + check + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + "/";
    requirePositive("leaseTtl()", leaseTtl());
    requirePositive("expiryBound()", expiryBound());
    requirePositive("watchBound()", watchBound());
    requirePositive("unreachableDetectionBound()", unreachableDetectionBound());
  }

  @AfterEach
  protected final void deletePrefixAndCloseClients() {
    try {
      if (outage != null) {
        restoreQuietly();
      }
      if (store != null) {
        KeyValueStore s = store;
        try {
          within(GENEROUS, "cleanup: deletePrefix(" + prefix + ")", () -> s.deletePrefix(prefix));
        } catch (Exception | AssertionError e) {
          // Cleanup is a courtesy to a shared server; the check already has its verdict.
          System.err.println("KeyValueStoreContract: could not delete " + prefix + ": " + e);
        }
      }
    } finally {
      for (KeyValueStore c : opened) {
        try {
          c.close();
        } catch (RuntimeException e) {
          System.err.println("KeyValueStoreContract: closing " + c + " failed: " + e);
        }
      }
      opened.clear();
      store = null;
      if (pool != null) {
        pool.shutdownNow();
        pool = null;
      }
    }
  }

  // ---------------------------------------------------------------- create-if-absent

  @Test
  @DisplayName("createIfAbsent: exactly one of 8 concurrent racers (one client each) wins, and the key holds its value")
  public final void createIfAbsentHasExactlyOneWinnerAmongConcurrentRacers() throws Exception {
    List<KeyValueStore> racers = openClients(RACERS);
    for (int round = 1; round <= 3; round++) {
      String key = key("race-" + round + "/leader");
      List<WriteResult> results = race(i -> racers.get(i).createIfAbsent(key, "racer-" + i, Optional.empty()));
      int winner = soleWinner(results, key);
      KeyValue kv = existing(store(), key);
      assertEquals("racer-" + winner, kv.value(), "round " + round + ": the key must hold the winner's value");
      assertEquals(((WriteResult.Written) results.get(winner)).version(), kv.version(),
          "round " + round + ": the key's version must be the one the winner was told");
      assertLosersSawWinner(results, winner, "racer-" + winner);
    }
  }

  @Test
  @DisplayName("createIfAbsent with leases (the leader race): one winner, the key is attached to the winner's lease")
  public final void leasedCreateIfAbsentRaceAttachesTheWinnersLease() throws Exception {
    List<KeyValueStore> racers = openClients(RACERS);
    List<Lease> leases = new ArrayList<>();
    for (KeyValueStore r : racers) {
      leases.add(r.grant(leaseTtl()));
    }
    String key = key("leader");
    List<WriteResult> results =
        race(i -> racers.get(i).createIfAbsent(key, "racer-" + i, Optional.of(leases.get(i))));
    int winner = soleWinner(results, key);
    KeyValue kv = existing(store(), key);
    assertEquals("racer-" + winner, kv.value(), "the key must hold the winner's value");
    assertTrue(kv.ownedBy(leases.get(winner)),
        "the key must be attached to the winner's lease " + leases.get(winner).id() + ", but its lease is " + kv.leaseId());
    assertLosersSawWinner(results, winner, "racer-" + winner);

    racers.get(winner).revoke(leases.get(winner));
    assertFalse(store().read(prefix).get(key).isPresent(), "revoking the winner's lease must delete the key it won");
    for (int i = 0; i < RACERS; i++) {
      racers.get(i).revoke(leases.get(i));
    }
  }

  // ---------------------------------------------------------------- leases

  @Test
  @DisplayName("lease: a leased key vanishes no earlier than ttl and within ttl + expiryBound() once keep-alive stops")
  public final void leasedKeyVanishesWithinTtlPlusExpiryBoundOnceKeepAliveStops() throws Exception {
    KeyValueStore s = store();
    String key = key("members/node1");
    long asked = System.nanoTime();
    Lease lease = s.grant(leaseTtl());
    long granted = System.nanoTime();
    written(s.put(key, "{\"role\":\"primary\"}", Optional.of(lease)), "put with a lease");
    KeyValue kv = existing(s, key);
    assertTrue(kv.ownedBy(lease), "the key must report its lease " + lease.id() + ", got " + kv.leaseId());

    Duration ttl = lease.ttl();
    long deadline = granted + ttl.toNanos() + expiryBound().toNanos();
    boolean gone = pollUntil(deadline, () -> absent(s, key));
    long seenGoneAfter = System.nanoTime() - asked;
    assertTrue(gone, "the leased key is still there " + ms(System.nanoTime() - granted)
        + " after the grant with no keep-alive; bound: granted ttl " + ttl + " + expiryBound() " + expiryBound());
    assertTrue(seenGoneAfter >= ttl.minus(EARLY_EXPIRY_TOLERANCE).toNanos(),
        "the leased key vanished " + ms(seenGoneAfter) + " after the grant was sent, before its granted ttl "
            + ttl + " (tolerance " + EARLY_EXPIRY_TOLERANCE + "): a lock must not expire early");
  }

  @Test
  @DisplayName("lease: a leased key stays while keep-alive runs every ttl/4, checked for at least 2 x ttl")
  public final void leasedKeyStaysWhileKeptAlive() throws Exception {
    KeyValueStore s = store();
    String key = key("leader");
    Lease lease = s.grant(leaseTtl());
    written(s.put(key, "node1", Optional.of(lease)), "put with a lease");
    Duration ttl = lease.ttl();
    Duration period = min(ttl, leaseTtl()).dividedBy(4);
    long start = System.nanoTime();
    long end = start + ttl.multipliedBy(2).plus(period).toNanos();
    int renewals = 0;
    while (System.nanoTime() - end < 0) {
      long at = System.nanoTime() - start;
      KeepAliveResult r = s.keepAlive(lease);
      KeepAliveResult.Alive alive = assertInstanceOf(KeepAliveResult.Alive.class, r,
          "keepAlive reported " + r + " " + ms(at) + " into the run, after " + renewals
              + " renewals every " + period + " (ttl " + ttl + ")");
      assertEquals(lease.id(), alive.lease().id(), "keepAlive must report the same lease");
      Optional<KeyValue> kv = s.read(prefix).get(key);
      assertTrue(kv.isPresent() && kv.get().ownedBy(lease),
          "the leased key vanished " + ms(at) + " into the run although keepAlive ran every " + period
              + " (ttl " + ttl + "): " + kv);
      renewals++;
      Thread.sleep(period.toMillis());
    }
    assertTrue(existing(s, key).ownedBy(lease), "the key must still be attached after " + renewals + " renewals");
    s.revoke(lease);
  }

  @Test
  @DisplayName("lease: keepAlive on a revoked lease reports Expired; revoking twice is a no-op")
  public final void keepAliveOnRevokedLeaseReportsExpired() throws Exception {
    KeyValueStore s = store();
    Lease lease = s.grant(leaseTtl());
    assertInstanceOf(KeepAliveResult.Alive.class, s.keepAlive(lease), "a fresh lease must be alive");
    s.revoke(lease);
    KeepAliveResult r = s.keepAlive(lease);
    assertInstanceOf(KeepAliveResult.Expired.class, r, "keepAlive on a revoked lease must report Expired, got " + r);
    s.revoke(lease); // must not throw: revoking a lease that is gone is a no-op
  }

  @Test
  @DisplayName("lease: keepAlive on a lease that expired (its key vanished within ttl + expiryBound()) reports Expired")
  public final void keepAliveOnExpiredLeaseReportsExpired() throws Exception {
    KeyValueStore s = store();
    String key = key("members/node1");
    Lease lease = s.grant(leaseTtl());
    long granted = System.nanoTime();
    written(s.put(key, "x", Optional.of(lease)), "put with a lease");
    long deadline = granted + lease.ttl().toNanos() + expiryBound().toNanos();
    assertTrue(pollUntil(deadline, () -> absent(s, key)),
        "the leased key did not vanish within granted ttl " + lease.ttl() + " + expiryBound() " + expiryBound());
    KeepAliveResult r = s.keepAlive(lease);
    assertInstanceOf(KeepAliveResult.Expired.class, r, "keepAlive on an expired lease must report Expired, got " + r);
  }

  @Test
  @DisplayName("lease: revoke deletes the lease's keys at once, and only those")
  public final void revokeDeletesLeasedKeysAtOnce() throws Exception {
    KeyValueStore s = store();
    KeyValueStore observer = open();
    Lease lease = s.grant(leaseTtl());
    Lease other = s.grant(leaseTtl());
    written(s.put(key("leader"), "node1", Optional.of(lease)), "leased put");
    written(s.createIfAbsent(key("members/node1"), "m1", Optional.of(lease)), "leased create");
    written(s.put(key("members/node2"), "m2", Optional.of(other)), "put with another lease");
    written(s.put(key("config"), "{}", Optional.empty()), "unleased put");

    s.revoke(lease);

    for (KeyValueStore reader : List.of(s, observer)) {
      Snapshot snap = reader.read(prefix);
      String who = reader == s ? "the revoking client" : "another client";
      assertAll("read by " + who + " right after revoke returned",
          () -> assertFalse(snap.get(key("leader")).isPresent(), "the revoked lease's leader key must be gone"),
          () -> assertFalse(snap.get(key("members/node1")).isPresent(), "the revoked lease's member key must be gone"),
          () -> assertTrue(snap.get(key("members/node2")).isPresent(), "another lease's key must stay"),
          () -> assertTrue(snap.get(key("config")).isPresent(), "an unleased key must stay"));
    }
    s.revoke(other);
  }

  @Test
  @DisplayName("lease: unleased keys survive the expiry of their writer's lease")
  public final void unleasedKeysSurviveTheirWritersLeaseExpiry() throws Exception {
    KeyValueStore s = store();
    Lease lease = s.grant(leaseTtl());
    long granted = System.nanoTime();
    written(s.put(key("leader"), "node1", Optional.of(lease)), "leased put");
    long configVersion = written(s.put(key("config"), "{\"ttl\":30}", Optional.empty()), "unleased put");
    long initVersion = written(s.createIfAbsent(key("initialize"), "7301234567890", Optional.empty()), "unleased create");

    assertTrue(pollUntil(granted + lease.ttl().toNanos() + expiryBound().toNanos(), () -> absent(s, key("leader"))),
        "the leased key did not vanish within granted ttl " + lease.ttl() + " + expiryBound() " + expiryBound());
    KeyValue config = existing(s, key("config"));
    KeyValue init = existing(s, key("initialize"));
    assertAll("unleased keys after their writer's lease expired",
        () -> assertEquals("{\"ttl\":30}", config.value()),
        () -> assertEquals(configVersion, config.version(), "the unleased key must be untouched"),
        () -> assertEquals(Optional.empty(), config.leaseId(), "an unleased key reports no lease"),
        () -> assertEquals("7301234567890", init.value()),
        () -> assertEquals(initVersion, init.version(), "the unleased key must be untouched"));
  }

  @Test
  @DisplayName("lease: writing with a revoked lease throws LEASE_NOT_FOUND and creates nothing")
  public final void writingWithARevokedLeaseFailsWithLeaseNotFound() throws Exception {
    KeyValueStore s = store();
    Lease lease = s.grant(leaseTtl());
    s.revoke(lease);
    String key = key("leader");
    // A write that went through anyway would leave a leader key that never expires.
    DcsException created = assertThrows(DcsException.class,
        () -> s.createIfAbsent(key, "node1", Optional.of(lease)), "createIfAbsent with a revoked lease");
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, created.kind(), "createIfAbsent: " + created.getMessage());
    DcsException put = assertThrows(DcsException.class,
        () -> s.put(key, "node1", Optional.of(lease)), "put with a revoked lease");
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, put.kind(), "put: " + put.getMessage());
    assertTrue(absent(s, key), "no key may be written with a lease that is gone");
  }

  // ---------------------------------------------------------------- conditional writes

  @Test
  @DisplayName("compareAndSet with a stale version returns Conflict and changes nothing")
  public final void compareAndSetWithStaleVersionConflictsAndChangesNothing() throws Exception {
    KeyValueStore s = store();
    String key = key("failover");
    long stale = written(s.put(key, "v1", Optional.empty()), "first put");
    long current = written(s.put(key, "v2", Optional.empty()), "second put");

    WriteResult r = s.compareAndSet(key, "v3", stale, Optional.empty());
    WriteResult.Conflict conflict = assertInstanceOf(WriteResult.Conflict.class, r,
        "compareAndSet with stale version " + stale + " (current " + current + ")");
    conflict.current().ifPresent(kv -> assertEquals(new KeyValue(key, "v2", current, Optional.empty()), kv,
        "a Conflict that reports the key must report it as it is"));
    KeyValue kv = existing(s, key);
    assertEquals("v2", kv.value(), "a failed compareAndSet must not change the value");
    assertEquals(current, kv.version(), "a failed compareAndSet must not change the version");

    String missing = key("missing");
    assertInstanceOf(WriteResult.Conflict.class, s.compareAndSet(missing, "x", current, Optional.empty()),
        "compareAndSet on an absent key must conflict");
    assertTrue(absent(s, missing), "a failed compareAndSet must not create the key");
  }

  @Test
  @DisplayName("compareAndSet with the current version succeeds and gives the key a new version")
  public final void compareAndSetWithCurrentVersionSucceeds() throws Exception {
    KeyValueStore s = store();
    String key = key("leader");
    long v1 = written(s.createIfAbsent(key, "node1", Optional.empty()), "create");
    long v2 = written(s.compareAndSet(key, "node2", v1, Optional.empty()), "compareAndSet with the current version");
    assertTrue(v2 != v1, "the version must change on a successful compareAndSet, stayed " + v1);
    KeyValue kv = existing(s, key);
    assertEquals("node2", kv.value());
    assertEquals(v2, kv.version(), "read must report the version compareAndSet returned");
    assertInstanceOf(WriteResult.Conflict.class, s.compareAndSet(key, "node3", v1, Optional.empty()),
        "the old version must no longer match");

    Lease lease = s.grant(leaseTtl());
    written(s.compareAndSet(key, "node3", v2, Optional.of(lease)), "compareAndSet attaching a lease");
    assertTrue(existing(s, key).ownedBy(lease), "compareAndSet with a lease must attach it");
    s.revoke(lease);
    assertTrue(absent(s, key), "the key compareAndSet attached to the lease must go with it");
  }

  @Test
  @DisplayName("compareValueAndSet writes only over the expected value")
  public final void compareValueAndSetWritesOnlyOverTheExpectedValue() throws Exception {
    KeyValueStore s = store();
    String key = key("sync");
    long v1 = written(s.put(key, "{\"leader\":\"node1\"}", Optional.empty()), "put");

    WriteResult wrong = s.compareValueAndSet(key, "{\"leader\":\"node9\"}", "{\"leader\":\"node2\"}", Optional.empty());
    assertInstanceOf(WriteResult.Conflict.class, wrong, "compareValueAndSet with the wrong expected value");
    KeyValue after = existing(s, key);
    assertEquals("{\"leader\":\"node1\"}", after.value(), "a failed compareValueAndSet must not change the value");
    assertEquals(v1, after.version(), "a failed compareValueAndSet must not change the version");

    long v2 = written(s.compareValueAndSet(key, "{\"leader\":\"node1\"}", "{\"leader\":\"node2\"}", Optional.empty()),
        "compareValueAndSet with the current value");
    KeyValue kv = existing(s, key);
    assertEquals("{\"leader\":\"node2\"}", kv.value());
    assertEquals(v2, kv.version());
    assertTrue(v2 != v1, "the version must change");

    String missing = key("missing");
    assertInstanceOf(WriteResult.Conflict.class, s.compareValueAndSet(missing, "", "x", Optional.empty()),
        "compareValueAndSet on an absent key must conflict, even when the expected value is empty");
    assertTrue(absent(s, missing), "a failed compareValueAndSet must not create the key");
  }

  @Test
  @DisplayName("deleteIfVersion reports CONFLICT, DELETED and ABSENT")
  public final void deleteIfVersionReportsDeletedConflictAndAbsent() throws Exception {
    KeyValueStore s = store();
    String key = key("failover");
    long v1 = written(s.put(key, "a", Optional.empty()), "put");
    long v2 = written(s.put(key, "b", Optional.empty()), "put");
    assertEquals(DeleteResult.CONFLICT, s.deleteIfVersion(key, v1), "deleteIfVersion with a stale version");
    KeyValue kv = existing(s, key);
    assertEquals("b", kv.value(), "a CONFLICT delete must leave the key alone");
    assertEquals(v2, kv.version(), "a CONFLICT delete must leave the version alone");
    assertEquals(DeleteResult.DELETED, s.deleteIfVersion(key, v2), "deleteIfVersion with the current version");
    assertTrue(absent(s, key), "DELETED means the key is gone");
    assertEquals(DeleteResult.ABSENT, s.deleteIfVersion(key, v2), "deleteIfVersion on an absent key");
  }

  @Test
  @DisplayName("deleteIfValue reports CONFLICT, DELETED and ABSENT")
  public final void deleteIfValueReportsDeletedConflictAndAbsent() throws Exception {
    KeyValueStore s = store();
    String key = key("leader");
    long v = written(s.put(key, "node1", Optional.empty()), "put");
    assertEquals(DeleteResult.CONFLICT, s.deleteIfValue(key, "node2"), "deleteIfValue with another value");
    KeyValue kv = existing(s, key);
    assertEquals("node1", kv.value(), "a CONFLICT delete must leave the key alone");
    assertEquals(v, kv.version(), "a CONFLICT delete must leave the version alone");
    assertEquals(DeleteResult.DELETED, s.deleteIfValue(key, "node1"), "deleteIfValue with the current value");
    assertTrue(absent(s, key), "DELETED means the key is gone");
    assertEquals(DeleteResult.ABSENT, s.deleteIfValue(key, "node1"), "deleteIfValue on an absent key");
  }

  @Test
  @DisplayName("put creates a missing key and overwrites an existing one")
  public final void putCreatesAndOverwrites() throws Exception {
    KeyValueStore s = store();
    String key = key("status");
    long v1 = written(s.put(key, "{\"optime\":1}", Optional.empty()), "put creating the key");
    assertEquals(new KeyValue(key, "{\"optime\":1}", v1, Optional.empty()), existing(s, key));
    long v2 = written(s.put(key, "{\"optime\":2}", Optional.empty()), "put overwriting the key");
    assertEquals(new KeyValue(key, "{\"optime\":2}", v2, Optional.empty()), existing(s, key));
    assertTrue(v2 != v1, "overwriting must change the version");
    assertInstanceOf(WriteResult.Conflict.class, s.createIfAbsent(key, "x", Optional.empty()),
        "createIfAbsent after put must conflict");
  }

  // ---------------------------------------------------------------- reads, versions, values

  @Test
  @DisplayName("read returns every key under the prefix, sorted, and none outside it (/a/b/ vs /a/bc/)")
  public final void readReturnsEveryKeyUnderThePrefixAndNoneOutside() throws Exception {
    KeyValueStore s = store();
    Map<String, String> inside = new LinkedHashMap<>();
    inside.put(key("a/b/leader"), "node1");
    inside.put(key("a/b/members/node1"), "m1");
    inside.put(key("a/b/members/node2"), "m2");
    inside.put(key("a/b/x/y/z"), "deep");
    List<String> outside = List.of(key("a/bc/leader"), key("a/b"), key("a/ba"), key("a/c/b/leader"));
    for (Map.Entry<String, String> e : inside.entrySet()) {
      written(s.put(e.getKey(), e.getValue(), Optional.empty()), "put " + e.getKey());
    }
    for (String k : outside) {
      written(s.put(k, "outside", Optional.empty()), "put " + k);
    }

    KeyValueStore reader = open();
    String wanted = key("a/b/");
    Snapshot snap = reader.read(wanted);
    assertEquals(wanted, snap.prefix(), "the snapshot names the prefix that was read");
    List<String> got = snap.entries().stream().map(KeyValue::key).toList();
    assertEquals(inside.keySet().stream().sorted().toList(), got,
        "read(" + wanted + ") must return exactly the keys under it, in ascending order");
    for (KeyValue kv : snap.entries()) {
      assertEquals(inside.get(kv.key()), kv.value(), "value of " + kv.key());
    }
    assertTrue(snap.connection().isConnected(), "a successful read reports a connected state, got " + snap.connection());

    assertEquals(inside.size() + outside.size(), reader.read(key("a/")).entries().size(),
        "read(" + key("a/") + ") must return all " + (inside.size() + outside.size()) + " keys under it");
    assertEquals(List.of(), reader.read(key("nothing-here/")).entries(), "a prefix with no keys reads as empty");
  }

  @Test
  @DisplayName("the version changes on every write of a key, including a rewrite of the same value")
  public final void versionsChangeOnEveryWrite() throws Exception {
    KeyValueStore s = store();
    String key = key("history");
    Set<Long> seen = new HashSet<>();
    long v = written(s.createIfAbsent(key, "a", Optional.empty()), "createIfAbsent");
    expectNewVersion(s, key, v, seen, "createIfAbsent");
    v = written(s.put(key, "a", Optional.empty()), "put of the same value");
    expectNewVersion(s, key, v, seen, "put of the same value");
    v = written(s.put(key, "b", Optional.empty()), "put");
    expectNewVersion(s, key, v, seen, "put");
    v = written(s.compareAndSet(key, "c", v, Optional.empty()), "compareAndSet");
    expectNewVersion(s, key, v, seen, "compareAndSet");
    v = written(s.compareValueAndSet(key, "c", "c", Optional.empty()), "compareValueAndSet of the same value");
    expectNewVersion(s, key, v, seen, "compareValueAndSet of the same value");
    Lease lease = s.grant(leaseTtl());
    v = written(s.put(key, "d", Optional.of(lease)), "put attaching a lease");
    expectNewVersion(s, key, v, seen, "put attaching a lease");
    s.revoke(lease);
  }

  @Test
  @DisplayName("the snapshot revision grows with every change under the prefix (unless the store has none)")
  public final void snapshotRevisionGrowsWithEveryChange() throws Exception {
    KeyValueStore s = store();
    long r0 = s.read(prefix).revision();
    written(s.put(key("k"), "v", Optional.empty()), "put");
    long r1 = s.read(prefix).revision();
    assumeTrue(r0 != 0 || r1 != 0, describe(s) + " reports snapshot revision 0 (none): watches cannot resume from one");
    assertTrue(r1 > r0, "revision after a put " + r1 + " must exceed the one before " + r0);
    assertEquals(DeleteResult.DELETED, s.deleteIfValue(key("k"), "v"));
    long r2 = s.read(prefix).revision();
    assertTrue(r2 > r1, "revision after a delete " + r2 + " must exceed the one before " + r1);
  }

  @Test
  @DisplayName("values round-trip byte for byte: multi-byte UTF-8, emoji, JSON, newlines, empty, 64 KiB")
  public final void valuesRoundTripByteForByte() throws Exception {
    Map<String, String> values = new LinkedHashMap<>();
    // Written with escapes so the source encoding cannot alter them: é ö ü, CJK, Greek, Cyrillic.
    values.put("utf8-multibyte", "h\u00e9llo w\u00f6rld \u00fc \u2014 \u65e5\u672c\u8a9e \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u0440\u0443\u0441\u0441\u043a\u0438\u0439");
    // U+1F418 (elephant) and U+1F680 (rocket) are surrogate pairs in Java: the supplementary plane.
    values.put("supplementary-emoji", "\uD83D\uDC18 primary, \uD83D\uDE80 standby");
    // Backslash-u sequences as text, the way Patroni's JSON encoder writes non-ASCII.
    values.put("json-unicode-escapes", "{\"name\":\"caf\\u00e9\",\"tag\":\"\\ud83d\\udc18\",\"conn_url\":\"postgres://10.0.0.1:5432/postgres\"}");
    values.put("json-real-unicode", "{\"name\":\"caf\u00e9\",\"tag\":\"\uD83D\uDC18\",\"tags\":{\"nofailover\":false}}");
    values.put("newlines-and-tabs", "line one\nline two\r\nline three\n\ttabbed\n");
    values.put("quotes-and-backslashes", "C:\\data \"quoted\" 'single' %s ${x} <a>&amp;");
    values.put("empty", "");
    values.put("64KiB", sixtyFourKiB());

    KeyValueStore writer = store();
    for (Map.Entry<String, String> e : values.entrySet()) {
      written(writer.put(key("values/" + e.getKey()), e.getValue(), Optional.empty()), "put " + e.getKey());
    }
    Snapshot snap = open().read(key("values/"));
    List<Executable> checks = new ArrayList<>();
    for (Map.Entry<String, String> e : values.entrySet()) {
      String name = e.getKey();
      byte[] sent = e.getValue().getBytes(StandardCharsets.UTF_8);
      checks.add(() -> {
        Optional<KeyValue> kv = snap.get(key("values/" + name));
        assertTrue(kv.isPresent(), name + ": the key is missing");
        byte[] got = kv.get().value().getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(sent, got, name + ": " + sent.length + " bytes written, " + got.length + " read back differ");
      });
    }
    assertAll("values read back by another client", checks);
  }

  @Test
  @DisplayName("deletePrefix removes every key under the prefix, counts them, and spares siblings")
  public final void deletePrefixRemovesEveryKeyUnderThePrefixOnly() throws Exception {
    KeyValueStore s = store();
    Lease lease = s.grant(leaseTtl());
    List<String> doomed = List.of(key("doomed/leader"), key("doomed/config"), key("doomed/members/node1"),
        key("doomed/members/node2"));
    written(s.put(doomed.get(0), "node1", Optional.of(lease)), "leased put");
    for (String k : doomed.subList(1, doomed.size())) {
      written(s.put(k, "v", Optional.empty()), "put " + k);
    }
    List<String> spared = List.of(key("doomedx/leader"), key("doomed"));
    for (String k : spared) {
      written(s.put(k, "v", Optional.empty()), "put " + k);
    }
    assertEquals(doomed.size(), s.deletePrefix(key("doomed/")),
        "deletePrefix must return how many keys it deleted (keys written, not intermediate nodes)");
    assertEquals(List.of(), s.read(key("doomed/")).entries(), "nothing may remain under the deleted prefix");
    for (String k : spared) {
      assertFalse(absent(s, k), k + " is not under " + key("doomed/") + " and must survive");
    }
    assertEquals(0, s.deletePrefix(key("never-written/")), "deleting an empty prefix deletes nothing");
    s.revoke(lease);
  }

  @Test
  @DisplayName("a healthy store reports a connected state, on the client and on every snapshot")
  public final void healthyStoreReportsAConnectedState() throws Exception {
    KeyValueStore s = store();
    Snapshot snap = s.read(prefix);
    assertTrue(snap.connection().isConnected(), "snapshot connection " + snap.connection());
    assertTrue(s.connectionState().isConnected(), "connectionState() " + s.connectionState());
  }

  // ---------------------------------------------------------------- watches

  @Test
  @DisplayName("native watch (WATCH): wakes within watchBound() after a create, an update and a delete by another client")
  public final void nativeWatchWakesWithinWatchBoundOnAChangeFromAnotherClient() throws Exception {
    Watchable watch = nativeWatch();
    KeyValueStore writer = open();
    String watched = key("watched/");
    written(writer.put(watched + "seed", "seed", Optional.empty()), "seed put");
    String key = watched + "leader";
    expectWake(watch, watched, "a create", () -> writer.createIfAbsent(key, "node1", Optional.empty()));
    expectWake(watch, watched, "an update", () -> writer.put(key, "node2", Optional.empty()));
    expectWake(watch, watched, "a delete", () -> writer.deleteIfValue(key, "node2"));
  }

  @Test
  @DisplayName("native watch (WATCH): returns TIMED_OUT, not before its timeout, when nothing changes")
  public final void nativeWatchTimesOutWhenNothingChanges() throws Exception {
    Watchable watch = nativeWatch();
    String watched = key("quiet/");
    written(store().put(watched + "seed", "seed", Optional.empty()), "seed put");
    long since = store().read(watched).revision();
    Duration timeout = Duration.ofSeconds(1);
    long start = System.nanoTime();
    WatchOutcome outcome = within(timeout.plus(watchBound()), "awaitChange on a quiet prefix",
        () -> watch.awaitChange(watched, since, timeout));
    long took = System.nanoTime() - start;
    assertEquals(WatchOutcome.TIMED_OUT, outcome, "nothing changed under " + watched);
    assertTrue(took >= timeout.minusMillis(20).toNanos(), "TIMED_OUT after " + ms(took) + ", before the timeout " + timeout);
  }

  @Test
  @DisplayName("async watch (awaitChangeAsync, when offered): pending while quiet, CHANGED within watchBound() after a change by another client, at once for a change it has not seen")
  public final void asyncWatchCompletesOnAChangeFromAnotherClient() throws Exception {
    Watchable watch = nativeWatch();
    KeyValueStore writer = open();
    String watched = key("async/");
    written(writer.put(watched + "seed", "seed", Optional.empty()), "seed put");
    long since = store().read(watched).revision();
    Optional<Watchable.PendingChange> first = watch.awaitChangeAsync(watched, since);
    assumeTrue(first.isPresent(), describe(store()) + " offers no awaitChangeAsync: Primus spends a thread on awaitChange");
    Duration bound = watchBound();
    try (Watchable.PendingChange p = first.get()) {
      CompletableFuture<WatchOutcome> outcome = p.outcome().toCompletableFuture();
      Thread.sleep(Math.min(500, bound.toMillis()));
      p.check();
      assertFalse(outcome.isDone(), "the async wait ended with nothing changed under " + watched + ": "
          + (outcome.isDone() ? outcome.handle((o, e) -> o != null ? o : e).get() : ""));
      written(writer.put(watched + "leader", "node1", Optional.empty()), "put");
      long changed = System.nanoTime();
      WatchOutcome o = outcome.get(bound.toMillis() + 100, TimeUnit.MILLISECONDS);
      long latency = System.nanoTime() - changed;
      assertEquals(WatchOutcome.CHANGED, o, "the async wait after a put by another client");
      assertTrue(latency <= bound.toNanos(), "the async wait ended " + ms(latency) + " after the put; watchBound() is " + bound);
    }
    // A change after `since` that happened before the wait was registered must not be missed.
    try (Watchable.PendingChange late = watch.awaitChangeAsync(watched, since).orElseThrow()) {
      assertEquals(WatchOutcome.CHANGED, late.outcome().toCompletableFuture().get(bound.toMillis() + 100,
          TimeUnit.MILLISECONDS), "an async wait from a revision older than a change already made");
    }
    // Closed waits let go: many opened and closed leave the store working.
    long now = store().read(watched).revision();
    for (int i = 0; i < 50; i++) {
      watch.awaitChangeAsync(watched, now).orElseThrow().close();
    }
    written(writer.put(watched + "after", "v", Optional.empty()), "a put after 50 closed waits");
  }

  @Test
  @DisplayName("PollingWatch (every store): wakes within its interval + watchBound() after a change by another client")
  public final void pollingWatchWakesOnAChangeFromAnotherClient() throws Exception {
    FirstReadSignal signalled = new FirstReadSignal(store());
    PollingWatch watch = new PollingWatch(signalled, POLLING_WATCH_INTERVAL);
    KeyValueStore writer = open();
    String watched = key("polled/");
    written(writer.put(watched + "seed", "seed", Optional.empty()), "seed put");
    Duration bound = POLLING_WATCH_INTERVAL.plus(watchBound());

    // Revision 0 makes PollingWatch compare entries with its first read: the path every store gets.
    Future<WatchOutcome> waiting = pool().submit(() -> watch.awaitChange(watched, 0, bound.multipliedBy(10)));
    assertTrue(signalled.firstRead.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "PollingWatch never read the prefix");
    assertFalse(waiting.isDone(), "PollingWatch returned before anything changed: " + (waiting.isDone() ? waiting.get() : ""));
    written(writer.put(watched + "leader", "node1", Optional.empty()), "put");
    long changed = System.nanoTime();
    WatchOutcome outcome = awaitFuture(waiting, bound, "PollingWatch after a put by another client (interval "
        + POLLING_WATCH_INTERVAL + " + watchBound() " + watchBound() + ")");
    assertEquals(WatchOutcome.CHANGED, outcome, "PollingWatch after a put, " + ms(System.nanoTime() - changed) + " later");

    Duration quiet = Duration.ofMillis(500);
    assertEquals(WatchOutcome.TIMED_OUT, within(quiet.plus(watchBound()), "PollingWatch on a quiet prefix",
        () -> watch.awaitChange(watched, 0, quiet)), "PollingWatch with nothing changing");
  }

  // ---------------------------------------------------------------- outages

  @Test
  @DisplayName("outage (outageControl()): not connected within unreachableDetectionBound(), connected again within it after recovery")
  public final void unreachableStoreIsReportedAndRecovered() throws Exception {
    KeyValueStore s = store();
    OutageControl control = requireOutageControl(s);
    assertTrue(s.connectionState().isConnected(), "before the outage: " + s.connectionState());
    Duration bound = unreachableDetectionBound();
    AtomicReference<ConnectionState> last = new AtomicReference<>(s.connectionState());

    startOutage(control);
    long cut = System.nanoTime();
    // Each round asks the store too: a backend may only learn of the outage from a failing request.
    boolean lost = pollUntil(cut + bound.toNanos(), () -> {
      probe(s, bound);
      last.set(s.connectionState());
      return !last.get().isConnected();
    });
    assertTrue(lost, "connectionState() is still " + last.get() + " " + ms(System.nanoTime() - cut)
        + " after makeUnreachable(); it must turn SUSPENDED or LOST within unreachableDetectionBound() " + bound);

    control.makeReachable();
    outage = null;
    long restored = System.nanoTime();
    boolean back = pollUntil(restored + bound.toNanos(), () -> {
      Optional<Snapshot> snap = probe(s, bound);
      last.set(s.connectionState());
      return snap.isPresent() && snap.get().connection().isConnected() && last.get().isConnected();
    });
    assertTrue(back, "connectionState() is still " + last.get() + " " + ms(System.nanoTime() - restored)
        + " after makeReachable(); reads must succeed and report CONNECTED or RECONNECTED within"
        + " unreachableDetectionBound() " + bound);
    written(s.put(key("after-outage"), "v", Optional.empty()), "a put after reconnecting");
  }

  @Test
  @DisplayName("outage (outageControl()): requests throw a retryable DcsException within unreachableDetectionBound(), never hang")
  public final void requestsWhileUnreachableFailRetryably() throws Exception {
    KeyValueStore s = store();
    OutageControl control = requireOutageControl(s);
    Lease lease = s.grant(leaseTtl());
    String key = key("leader");
    long version = written(s.put(key, "node1", Optional.of(lease)), "put before the outage");

    startOutage(control);
    try {
      expectRetryableFailure("read", () -> s.read(prefix));
      expectRetryableFailure("createIfAbsent", () -> s.createIfAbsent(key("new"), "v", Optional.empty()));
      expectRetryableFailure("compareAndSet", () -> s.compareAndSet(key, "node2", version, Optional.of(lease)));
      expectRetryableFailure("keepAlive", () -> s.keepAlive(lease));
      expectRetryableFailure("grant", () -> s.grant(leaseTtl()));
    } finally {
      restoreQuietly();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** The test's prefix joined with {@code relative}. */
  private String key(String relative) {
    return prefix + relative;
  }

  /** The main client of the check, opened on first use so a subclass may start its server late. */
  private KeyValueStore store() throws Exception {
    if (store == null) {
      store = open();
    }
    return store;
  }

  private KeyValueStore open() throws Exception {
    KeyValueStore c = newClient();
    assertNotNull(c, "newClient() returned null");
    for (KeyValueStore o : opened) {
      assertNotSame(o, c, "newClient() must return a new client each time");
    }
    opened.add(c);
    return c;
  }

  private List<KeyValueStore> openClients(int n) throws Exception {
    List<KeyValueStore> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(open());
    }
    return out;
  }

  private ExecutorService pool() {
    if (pool == null) {
      pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "primus-kit");
        t.setDaemon(true);
        return t;
      });
    }
    return pool;
  }

  @FunctionalInterface
  private interface Racer<T> {
    T run(int index) throws Exception;
  }

  @FunctionalInterface
  private interface Condition {
    boolean holds() throws Exception;
  }

  /** Runs {@value #RACERS} calls on as many threads, released together by one latch. */
  private <T> List<T> race(Racer<T> racer) throws Exception {
    CountDownLatch ready = new CountDownLatch(RACERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      int index = i;
      futures.add(pool().submit(() -> {
        ready.countDown();
        go.await();
        return racer.run(index);
      }));
    }
    assertTrue(ready.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS), "the racers did not all start");
    go.countDown();
    List<T> results = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      results.add(awaitFuture(futures.get(i), GENEROUS, "racer " + i));
    }
    return results;
  }

  private static int soleWinner(List<WriteResult> results, String key) {
    List<Integer> winners = new ArrayList<>();
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i).succeeded()) {
        winners.add(i);
      }
    }
    assertEquals(1, winners.size(), "exactly one of " + results.size() + " concurrent createIfAbsent(" + key
        + ") calls must win; winners: " + winners + ", results: " + results);
    return winners.get(0);
  }

  private static void assertLosersSawWinner(List<WriteResult> results, int winner, String winnersValue) {
    for (int i = 0; i < results.size(); i++) {
      if (i == winner) {
        continue;
      }
      WriteResult.Conflict c = assertInstanceOf(WriteResult.Conflict.class, results.get(i), "racer " + i);
      c.current().ifPresent(kv -> assertEquals(winnersValue, kv.value(),
          "a Conflict that reports the key must report the winner's value"));
    }
  }

  private static long written(WriteResult r, String what) {
    if (r instanceof WriteResult.Written w) {
      return w.version();
    }
    return fail(what + ": expected Written, got " + r);
  }

  private KeyValue existing(KeyValueStore s, String key) throws DcsException {
    return s.read(prefix).get(key).orElseGet(() -> fail(key + " should exist"));
  }

  private boolean absent(KeyValueStore s, String key) throws DcsException {
    return s.read(prefix).get(key).isEmpty();
  }

  private void expectNewVersion(KeyValueStore s, String key, long version, Set<Long> seen, String what)
      throws DcsException {
    assertTrue(seen.add(version), what + " returned version " + version + ", which this key already had: " + seen);
    assertEquals(version, existing(s, key).version(), what + ": read must report the version the write returned");
  }

  private static boolean pollUntil(long deadlineNanos, Condition condition) throws Exception {
    while (true) {
      if (condition.holds()) {
        return true;
      }
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** Runs {@code call} on another thread; fails if it has not returned within {@code bound}. */
  private <T> T within(Duration bound, String what, Callable<T> call) throws Exception {
    return awaitFuture(pool().submit(call), bound, what);
  }

  private static <T> T awaitFuture(Future<T> future, Duration bound, String what) throws Exception {
    try {
      return future.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      return fail(what + " did not return within " + bound);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private Watchable nativeWatch() throws Exception {
    KeyValueStore s = store();
    assumeTrue(s.capabilities().contains(Capability.WATCH), describe(s)
        + " does not declare WATCH: Primus uses PollingWatch for it, which pollingWatchWakesOnAChangeFromAnotherClient checks");
    return s.watcher().orElseGet(() -> fail(describe(s) + " declares WATCH but watcher() is empty"));
  }

  /**
   * Starts a wait on {@code watched}, lets it block, makes {@code change} from another client, and
   * requires the wait to end with CHANGED within {@link #watchBound()} of the change returning.
   */
  private void expectWake(Watchable watch, String watched, String what, Callable<?> change) throws Exception {
    Duration bound = watchBound();
    for (int attempt = 1; ; attempt++) {
      long since = store().read(watched).revision();
      AtomicReference<Thread> waiter = new AtomicReference<>();
      AtomicLong returnedAt = new AtomicLong();
      Future<WatchOutcome> waiting = pool().submit(() -> {
        waiter.set(Thread.currentThread());
        try {
          return watch.awaitChange(watched, since, bound.multipliedBy(10));
        } finally {
          returnedAt.set(System.nanoTime());
        }
      });
      awaitBlocked(waiter, waiting);
      if (waiting.isDone()) {
        // A spurious CHANGED is allowed (the caller re-reads), but a watch must be able to wait.
        WatchOutcome early = awaitFuture(waiting, bound, "awaitChange");
        assertTrue(attempt < 3, "awaitChange(" + watched + ") returned " + early
            + " at once three times in a row with nothing changed under the prefix");
        continue;
      }
      change.call();
      long changed = System.nanoTime();
      WatchOutcome outcome = awaitFuture(waiting, bound.plusMillis(100),
          "the watch, after " + what + " by another client, with watchBound() " + bound + ",");
      long latency = returnedAt.get() - changed;
      assertEquals(WatchOutcome.CHANGED, outcome, "the watch after " + what);
      assertTrue(latency <= bound.toNanos(),
          "the watch woke " + ms(latency) + " after " + what + "; watchBound() is " + bound);
      return;
    }
  }

  /** Waits (at most a second) until the waiting thread is parked, or the wait is over. */
  private static void awaitBlocked(AtomicReference<Thread> waiter, Future<?> waiting) throws InterruptedException {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() - giveUp < 0) {
      Thread t = waiter.get();
      if (t != null) {
        Thread.State state = t.getState();
        if (waiting.isDone() || state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
          return;
        }
      }
      Thread.sleep(5);
    }
  }

  /** The subclass's outage control, or the check is skipped with the reason. */
  private OutageControl requireOutageControl(KeyValueStore s) {
    Optional<OutageControl> control = Objects.requireNonNull(outageControl(),
        getClass().getName() + ".outageControl() returned null; return Optional.empty() if the harness cannot cut the store off");
    assumeTrue(control.isPresent(), getClass().getSimpleName() + " supplies no outageControl(): how "
        + describe(s) + " reports losing and regaining the store is not checked");
    return control.get();
  }

  /** makeUnreachable(), remembered first so that the store is restored even if it throws halfway. */
  private void startOutage(OutageControl control) throws Exception {
    outage = control;
    control.makeUnreachable();
  }

  /** One bounded read, its failures swallowed: used to let a backend notice the state of the store. */
  private Optional<Snapshot> probe(KeyValueStore s, Duration bound) throws Exception {
    try {
      return Optional.of(within(bound, "read() while probing the connection", () -> s.read(prefix)));
    } catch (DcsException e) {
      return Optional.empty();
    }
  }

  private void expectRetryableFailure(String op, Callable<?> call) throws Exception {
    Duration bound = unreachableDetectionBound();
    try {
      Object result = within(bound, op + " while the store is unreachable (unreachableDetectionBound() " + bound + ")", call);
      fail(op + " succeeded while the store was unreachable: " + result);
    } catch (DcsException e) {
      assertTrue(e.retryable(), op + " while unreachable threw kind " + e.kind()
          + ", which is not retryable; expected UNAVAILABLE or TIMEOUT: " + e.getMessage());
    }
  }

  /** makeReachable(), then waits (bounded, unasserted) until a read works, so the next check finds a server. */
  private void restoreQuietly() {
    OutageControl control = outage;
    if (control == null) {
      return;
    }
    outage = null;
    try {
      control.makeReachable();
      if (store != null) {
        KeyValueStore s = store;
        pollUntil(System.nanoTime() + unreachableDetectionBound().toNanos(), () -> probe(s, unreachableDetectionBound()).isPresent());
      }
    } catch (Exception | AssertionError e) {
      System.err.println("KeyValueStoreContract: restoring the store after an outage failed: " + e);
    }
  }

  private static String describe(KeyValueStore s) {
    String name = s.getClass().getName();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  private static String ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static void requirePositive(String hook, Duration d) {
    assertNotNull(d, hook + " returned null");
    assertTrue(!d.isNegative() && !d.isZero(), hook + " must be positive, got " + d);
  }

  private static String sixtyFourKiB() {
    // Multi-byte characters at every offset, with a running counter so a reordered or repeated chunk
    // cannot compare equal; padded with ASCII to exactly 65,536 UTF-8 bytes.
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    for (int i = 0; ; i++) {
      String unit = i + ":\u00fc\uD83D\uDC18;";
      int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
      if (bytes + unitBytes > 65_536) {
        break;
      }
      sb.append(unit);
      bytes += unitBytes;
    }
    sb.append("x".repeat(65_536 - bytes));
    return sb.toString();
  }

  /** A store that counts down a latch once its first read has returned, for PollingWatch's baseline. */
  private static final class FirstReadSignal implements KeyValueStore {
    private final KeyValueStore delegate;
    final CountDownLatch firstRead = new CountDownLatch(1);

    FirstReadSignal(KeyValueStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public Snapshot read(String prefix) throws DcsException {
      Snapshot s = delegate.read(prefix);
      firstRead.countDown();
      return s;
    }

    @Override
    public Lease grant(Duration ttl) throws DcsException {
      return delegate.grant(ttl);
    }

    @Override
    public KeepAliveResult keepAlive(Lease lease) throws DcsException {
      return delegate.keepAlive(lease);
    }

    @Override
    public void revoke(Lease lease) throws DcsException {
      delegate.revoke(lease);
    }

    @Override
    public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
      return delegate.createIfAbsent(key, value, lease);
    }

    @Override
    public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
        throws DcsException {
      return delegate.compareAndSet(key, value, expectedVersion, lease);
    }

    @Override
    public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
        throws DcsException {
      return delegate.compareValueAndSet(key, expectedValue, value, lease);
    }

    @Override
    public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
      return delegate.put(key, value, lease);
    }

    @Override
    public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
      return delegate.deleteIfVersion(key, expectedVersion);
    }

    @Override
    public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
      return delegate.deleteIfValue(key, expectedValue);
    }

    @Override
    public long deletePrefix(String prefix) throws DcsException {
      return delegate.deletePrefix(prefix);
    }

    @Override
    public ConnectionState connectionState() {
      return delegate.connectionState();
    }

    @Override
    public void close() {
      // The delegate belongs to the kit's list of opened clients and is closed there.
    }
  }
}
