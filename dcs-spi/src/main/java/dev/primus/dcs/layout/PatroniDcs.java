package dev.primus.dcs.layout;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Patroni's DCS operations for one member, on top of any {@link KeyValueStore}: the leader race, lock
 * renewal and release, the bootstrap race, the member key, and the CAS rules for {@code config},
 * {@code failover} and {@code sync}. Values are written with {@link PatroniCodec}, keys with
 * {@link ClusterPath}, so every backend stores exactly what Patroni's etcd3 backend stores.
 *
 * <h2>The lease</h2>
 * The member holds <em>one</em> lease of {@code ttl}, granted on first use, attached to both its
 * {@code members/<name>} key and (while it leads) the {@code leader} key, so a dead agent loses both
 * at once. It is kept alive by {@link #renewLeaderLock()} and by {@link #touchMember} (which skips
 * its keep-alive when a renewal already did one since the last touch), and granted anew when the
 * store reports it {@link KeepAliveResult.Expired expired} or a write fails with
 * {@link DcsException.Kind#LEASE_NOT_FOUND}. Call {@code touchMember} at least once per loop, as
 * Patroni does, or the member key expires after {@code ttl}.
 *
 * <h2>Outcomes</h2>
 * Expected conflicts are return values: {@link AcquireOutcome}, {@link RenewOutcome},
 * {@link ReleaseOutcome}, {@link TouchOutcome}, and the SPI's {@link WriteResult} (a CAS write:
 * written with the new version, or a conflict with the key as it is) and {@link DeleteResult}.
 * {@link DcsException} is thrown only when the store cannot be asked; its
 * {@link DcsException#retryable()} says whether repeating the call is safe.
 *
 * <h2>What it remembers</h2>
 * The leader key and this member's key as last seen by {@link #read()} or written here, so that a
 * renewal whose key is still on the live lease needs no write and an unchanged member value is not
 * rewritten (both as Patroni). A stale memory is harmless: it can only cause one extra conditional
 * write, never a wrong one.
 *
 * <p>Thread-safe. Library code: it never sleeps or reads a clock; time is the store's business.
 */
public final class PatroniDcs {
  private final KeyValueStore store;
  private final ClusterPath path;
  private final String name;
  private final Duration ttl;
  private final String leaderKey;
  private final String memberKey;

  private final Object leaseGuard = new Object();
  /** The member's one lease; null until first needed or after it was found dead. Guarded by leaseGuard. */
  private Lease lease;
  /** Whether the lease was granted or kept alive since the last touchMember. Guarded by leaseGuard. */
  private boolean refreshedSinceTouch;

  private volatile Optional<LeaderLock> knownLeader = Optional.empty();
  private volatile Optional<KeyValue> knownSelf = Optional.empty();
  /** What this member last wrote to {@code initialize}, for {@link #cancelInitialize()}. */
  private volatile Optional<String> initializeWritten = Optional.empty();

  /**
   * @param store      the DCS
   * @param path       where the cluster lives
   * @param memberName this member's name (Patroni's {@code name}); see {@link ClusterPath#checkName}
   * @param ttl        the leader-lock TTL, used as the lease TTL
   */
  public PatroniDcs(KeyValueStore store, ClusterPath path, String memberName, Duration ttl) {
    this.store = Objects.requireNonNull(store, "store");
    this.path = Objects.requireNonNull(path, "path");
    this.name = ClusterPath.checkName("member name", memberName);
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    this.leaderKey = path.leader();
    this.memberKey = path.member(memberName);
  }

  public KeyValueStore store() {
    return store;
  }

  public ClusterPath path() {
    return path;
  }

  public String memberName() {
    return name;
  }

  public Duration ttl() {
    return ttl;
  }

  /** The lease this member holds now, if one was granted and not yet found dead. */
  public Optional<Lease> currentLease() {
    synchronized (leaseGuard) {
      return Optional.ofNullable(lease);
    }
  }

  // ================================================================= read

  /** One prefix read of the cluster, decoded (see {@link PatroniCodec#decode}). */
  public ClusterView read() throws DcsException {
    Snapshot snapshot = store.read(path.base());
    ClusterView view = PatroniCodec.decode(snapshot, path);
    knownLeader = view.leader();
    knownSelf = snapshot.get(memberKey);
    return view;
  }

  // ================================================================= leader lock

  /**
   * Takes the leader lock if nobody holds it: create-if-absent of {@code leader} with this member's
   * name, on its lease. If the key already holds this member's own name (an agent restarted within
   * the TTL) it is moved to the current lease by a value CAS and counts as acquired.
   */
  public AcquireOutcome acquireLeaderLock() throws DcsException {
    Taken t = take(true);
    if (t instanceof Taken.Mine mine) {
      return new AcquireOutcome.Acquired(mine.version());
    }
    if (t instanceof Taken.Other other) {
      return new AcquireOutcome.HeldBy(other.holder());
    }
    throw new IllegalStateException("the leader race reported the key absent instead of creating it");
  }

  /**
   * Keeps the leader lock, as Patroni's etcd3 {@code _update_leader} does, except that a vanished
   * leader key is never created again. Keeps the lease alive (granting a new one if it expired); if
   * the leader key is attached to that lease, that was the renewal. Otherwise, if the key still holds
   * my name, moves it to the current lease by a value CAS ({@link RenewOutcome.How#REATTACHED}). If it
   * holds another member's name the lock is {@link RenewOutcome.Lost lost}; if it is absent the outcome
   * is {@link RenewOutcome.Gone gone}, and nothing is written.
   *
   * <p>The key is looked at only when the renewal has to write: while it sits on the live lease (as
   * last seen by {@link #read()} or written here) the keep-alive alone is the renewal, as in Patroni,
   * so a deletion since the last {@code read()} shows in the next one, not here.
   */
  public RenewOutcome renewLeaderLock() throws DcsException {
    Lease live = refresh();
    Optional<LeaderLock> seen = knownLeader;
    if (seen.isPresent() && seen.get().heldBy(name) && seen.get().leaseId().equals(Optional.of(live.id()))) {
      return new RenewOutcome.Renewed(RenewOutcome.How.KEPT_ALIVE);
    }
    Taken t = take(false);
    if (t instanceof Taken.Mine mine && !mine.created()) {
      return new RenewOutcome.Renewed(mine.how());
    }
    if (t instanceof Taken.Other other) {
      return new RenewOutcome.Lost(other.holder());
    }
    if (t instanceof Taken.Absent) {
      return new RenewOutcome.Gone();
    }
    throw new IllegalStateException("a renewal created the leader key, which it must never do");
  }

  /**
   * Gives the lock up: deletes {@code leader} only if it holds this member's name (Patroni's
   * {@code _delete_leader}). Another member's lock is never deleted.
   */
  public ReleaseOutcome releaseLeaderLock() throws DcsException {
    DeleteResult r = store.deleteIfValue(leaderKey, name);
    switch (r) {
      case DELETED:
        knownLeader = Optional.empty();
        return ReleaseOutcome.RELEASED;
      case ABSENT:
        knownLeader = Optional.empty();
        return ReleaseOutcome.ABSENT;
      default:
        return ReleaseOutcome.HELD_BY_OTHER;
    }
  }

  /** The result of writing my name into the leader key. */
  private sealed interface Taken {
    /** My name is in the key, on my lease: created by this call, else moved or found there ({@code how}). */
    record Mine(long version, boolean created, RenewOutcome.How how) implements Taken {}

    record Other(Optional<String> holder) implements Taken {}

    /** The key is absent and the caller did not allow creating it. */
    record Absent() implements Taken {}
  }

  /** Bounds the retries when the leader key changes between a failed write and the look at it. */
  private static final int TAKE_ATTEMPTS = 4;

  /**
   * Writes my name into {@code leader} on my lease: by value CAS while it holds my name; while it is
   * absent, by create-if-absent if {@code mayCreate} (the race, which also tries that first), else not
   * at all (a renewal); stops as soon as it holds another name.
   */
  private Taken take(boolean mayCreate) throws DcsException {
    boolean create = mayCreate;
    for (int attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
      final boolean creating = create;
      Leased<WriteResult> w = withLease(l -> creating
          ? store.createIfAbsent(leaderKey, name, Optional.of(l))
          : store.compareValueAndSet(leaderKey, name, name, Optional.of(l)));
      if (w.result() instanceof WriteResult.Written written) {
        knownLeader = Optional.of(new LeaderLock(name, written.version(), Optional.of(w.lease().id())));
        return new Taken.Mine(written.version(), creating, RenewOutcome.How.REATTACHED);
      }
      Optional<KeyValue> current = ((WriteResult.Conflict) w.result()).current();
      if (current.isEmpty()) {
        // The store did not say what is there, or the key is gone: look.
        current = store.read(leaderKey).get(leaderKey);
      }
      if (current.isPresent() && !current.get().value().equals(name)) {
        KeyValue other = current.get();
        knownLeader = Optional.of(new LeaderLock(other.value(), other.version(), other.leaseId()));
        return new Taken.Other(Optional.of(other.value()));
      }
      if (current.isPresent() && current.get().ownedBy(w.lease())) {
        // Already mine on this very lease (a repeated acquire): nothing to write.
        knownLeader = Optional.of(new LeaderLock(name, current.get().version(), Optional.of(w.lease().id())));
        return new Taken.Mine(current.get().version(), false, RenewOutcome.How.KEPT_ALIVE);
      }
      if (current.isEmpty() && !mayCreate) {
        // A renewal never re-creates the key, although Patroni's etcd3 does (its _update_leader falls
        // back to a create). The key is gone because my lease expired or somebody deleted it: for a
        // while the lock was free, and the others may have acted on that (raced, asked their peers, a
        // failover candidate moved). Leading again is a decision of the leader race (the engine's
        // checks of timeline, watchdog and failover key, then acquireLeaderLock's create-if-absent,
        // which a member that won meanwhile defeats), not something a renewal may do silently and
        // report as "renewed" for a lock that had lapsed.
        knownLeader = Optional.empty();
        return new Taken.Absent();
      }
      create = current.isEmpty();
    }
    return new Taken.Other(Optional.empty());
  }

  // ================================================================= initialize

  /**
   * The bootstrap race: creates {@code initialize} (no lease) if absent. Write {@code ""} to claim
   * the bootstrap before the system identifier is known, as Patroni does.
   *
   * @return {@link WriteResult.Written} if this member won; {@link WriteResult.Conflict} with the
   *     current value if the cluster is initialized or another member is bootstrapping it
   */
  public WriteResult raceInitialize(String systemIdOrEmpty) throws DcsException {
    String value = PatroniCodec.encodeInitialize(systemIdOrEmpty);
    WriteResult r = store.createIfAbsent(path.initialize(), value, Optional.empty());
    if (r.succeeded()) {
      initializeWritten = Optional.of(value);
    }
    return r;
  }

  /** Records the system identifier after bootstrap, by CAS on the version the race returned. */
  public WriteResult writeInitialize(String systemId, long expectedVersion) throws DcsException {
    String value = PatroniCodec.encodeInitialize(systemId);
    WriteResult r = store.compareAndSet(path.initialize(), value, expectedVersion, Optional.empty());
    if (r.succeeded()) {
      initializeWritten = Optional.of(value);
    }
    return r;
  }

  /**
   * Abandons a failed bootstrap: deletes {@code initialize} only if it still holds what this member
   * wrote, so a cluster someone else initialized is never reset.
   *
   * @throws IllegalStateException if this member never wrote {@code initialize}
   */
  public DeleteResult cancelInitialize() throws DcsException {
    String mine = initializeWritten.orElseThrow(
        () -> new IllegalStateException("member " + name + " has not written initialize; nothing to cancel"));
    DeleteResult r = store.deleteIfValue(path.initialize(), mine);
    if (r != DeleteResult.CONFLICT) {
      initializeWritten = Optional.empty();
    }
    return r;
  }

  // ================================================================= members

  /**
   * Publishes this member's status in {@code members/<name>}, attached to the lease, and keeps the
   * lease alive. The write is skipped when the key already holds exactly this value on the live
   * lease.
   */
  public TouchOutcome touchMember(MemberStatus status) throws DcsException {
    String value = PatroniCodec.encodeMember(status);
    Lease live;
    synchronized (leaseGuard) {
      live = lease != null && refreshedSinceTouch ? lease : refresh();
      refreshedSinceTouch = false;
    }
    Optional<KeyValue> self = knownSelf;
    if (self.isPresent() && self.get().value().equals(value) && self.get().ownedBy(live)) {
      return TouchOutcome.UNCHANGED;
    }
    Leased<WriteResult> w = withLease(l -> store.put(memberKey, value, Optional.of(l)));
    long version = written(w.result(), memberKey);
    knownSelf = Optional.of(new KeyValue(memberKey, value, version, Optional.of(w.lease().id())));
    return TouchOutcome.WRITTEN;
  }

  /**
   * Deletes {@code members/<memberName>} whatever it holds (for {@code ctl remove} of a departed
   * member). The SPI has no unconditional single-key delete, so this reads the version and deletes
   * by it, again if it changed meanwhile.
   *
   * @return {@link DeleteResult#DELETED}, {@link DeleteResult#ABSENT}, or
   *     {@link DeleteResult#CONFLICT} if the key kept changing
   */
  public DeleteResult deleteMember(String memberName) throws DcsException {
    String key = path.member(memberName);
    DeleteResult r = DeleteResult.CONFLICT;
    for (int attempt = 0; attempt < TAKE_ATTEMPTS && r == DeleteResult.CONFLICT; attempt++) {
      Optional<KeyValue> current = store.read(key).get(key);
      r = current.isEmpty() ? DeleteResult.ABSENT : store.deleteIfVersion(key, current.get().version());
    }
    if (memberName.equals(name) && r != DeleteResult.CONFLICT) {
      knownSelf = Optional.empty();
    }
    return r;
  }

  /**
   * Ends this member's lease now: its member key, and the leader key if attached, vanish at once.
   * For shutdown after {@link #releaseLeaderLock()}; a later call grants a new lease.
   */
  public void revokeLease() throws DcsException {
    synchronized (leaseGuard) {
      if (lease == null) {
        return;
      }
      Lease old = lease;
      store.revoke(old);
      lease = null;
      knownSelf = Optional.empty();
      if (knownLeader.flatMap(LeaderLock::leaseId).equals(Optional.of(old.id()))) {
        knownLeader = Optional.empty();
      }
    }
  }

  // ================================================================= config, failover, sync

  /**
   * Writes {@code config}: create-if-absent without a version (bootstrap, or a leader finding the key
   * empty), CAS on the version otherwise ({@code PATCH /config}, {@code edit-config}).
   */
  public WriteResult writeConfig(DynamicConfig config, Optional<Long> expectedVersion) throws DcsException {
    return conditional(path.config(), PatroniCodec.encodeConfig(config), expectedVersion);
  }

  /** Writes {@code failover}: create-if-absent without a version, CAS otherwise. */
  public WriteResult writeFailover(FailoverRequest request, Optional<Long> expectedVersion) throws DcsException {
    return conditional(path.failover(), PatroniCodec.encodeFailover(request), expectedVersion);
  }

  /**
   * Clears a handled switchover/failover request by writing {@code {}} with CAS, as Patroni does; the
   * key is not deleted.
   */
  public WriteResult clearFailover(long expectedVersion) throws DcsException {
    return store.compareAndSet(path.failover(), PatroniCodec.encodeFailover(FailoverRequest.EMPTY), expectedVersion,
        Optional.empty());
  }

  /** Writes {@code sync}: create-if-absent without a version, CAS otherwise. */
  public WriteResult writeSync(SyncState sync, Optional<Long> expectedVersion) throws DcsException {
    return conditional(path.sync(), PatroniCodec.encodeSync(sync), expectedVersion);
  }

  /** Deletes {@code sync} by CAS when synchronous mode is turned off. */
  public DeleteResult deleteSync(long expectedVersion) throws DcsException {
    return store.deleteIfVersion(path.sync(), expectedVersion);
  }

  private WriteResult conditional(String key, String value, Optional<Long> expectedVersion) throws DcsException {
    Objects.requireNonNull(expectedVersion, "expectedVersion");
    return expectedVersion.isPresent()
        ? store.compareAndSet(key, value, expectedVersion.get(), Optional.empty())
        : store.createIfAbsent(key, value, Optional.empty());
  }

  // ================================================================= plain puts

  /** Writes {@code status} (the leader, after each lock update). Returns the key's new version. */
  public long writeStatus(ClusterStatus status) throws DcsException {
    return put(path.status(), PatroniCodec.encodeStatus(status));
  }

  /**
   * Writes the legacy {@code optime/leader}, which only Patroni older than 2.1.0 reads. Returns the
   * key's new version.
   */
  public long writeLeaderOptime(long lsn) throws DcsException {
    return put(path.leaderOptime(), PatroniCodec.encodeLeaderOptime(lsn));
  }

  /** Writes {@code history} (the primary, after a promotion). Returns the key's new version. */
  public long writeHistory(TimelineHistory history) throws DcsException {
    return put(path.history(), PatroniCodec.encodeHistory(history));
  }

  /** Writes {@code failsafe}: member name to REST API URL. Returns the key's new version. */
  public long writeFailsafe(Map<String, String> members) throws DcsException {
    return put(path.failsafe(), PatroniCodec.encodeFailsafe(members));
  }

  /**
   * Deletes {@code failsafe} (failsafe_mode turned off) whatever it holds: it is a plain-put key, so the
   * delete goes by the version just read, again if it changed meanwhile.
   *
   * @return {@link DeleteResult#DELETED}, {@link DeleteResult#ABSENT}, or {@link DeleteResult#CONFLICT}
   *     if the key kept changing
   */
  public DeleteResult deleteFailsafe() throws DcsException {
    String key = path.failsafe();
    DeleteResult r = DeleteResult.CONFLICT;
    for (int attempt = 0; attempt < TAKE_ATTEMPTS && r == DeleteResult.CONFLICT; attempt++) {
      Optional<KeyValue> current = store.read(key).get(key);
      r = current.isEmpty() ? DeleteResult.ABSENT : store.deleteIfVersion(key, current.get().version());
    }
    return r;
  }

  private long put(String key, String value) throws DcsException {
    return written(store.put(key, value, Optional.empty()), key);
  }

  // ================================================================= whole cluster

  /** Deletes every key of the cluster ({@code ctl remove}). Returns how many keys went. */
  public long removeCluster() throws DcsException {
    long n = store.deletePrefix(path.base());
    knownLeader = Optional.empty();
    knownSelf = Optional.empty();
    initializeWritten = Optional.empty();
    return n;
  }

  // ================================================================= the lease

  /** The current lease, granted now if there is none. */
  private Lease lease() throws DcsException {
    synchronized (leaseGuard) {
      if (lease == null) {
        lease = store.grant(ttl);
        refreshedSinceTouch = true;
      }
      return lease;
    }
  }

  /** Keeps the lease alive, or grants a new one if it is dead or there is none. */
  private Lease refresh() throws DcsException {
    synchronized (leaseGuard) {
      if (lease != null) {
        KeepAliveResult r;
        try {
          r = store.keepAlive(lease);
        } catch (DcsException e) {
          if (e.kind() != DcsException.Kind.LEASE_NOT_FOUND) {
            throw e;
          }
          r = new KeepAliveResult.Expired();
        }
        if (r instanceof KeepAliveResult.Alive alive) {
          lease = alive.lease();
          refreshedSinceTouch = true;
          return lease;
        }
        lease = null;
      }
      return lease();
    }
  }

  private void forget(Lease dead) {
    synchronized (leaseGuard) {
      if (lease != null && lease.id().equals(dead.id())) {
        lease = null;
      }
    }
  }

  @FunctionalInterface
  private interface LeasedCall<T> {
    T call(Lease lease) throws DcsException;
  }

  private record Leased<T>(Lease lease, T result) {}

  /** Runs a write on the lease; if the store no longer knows the lease, once more on a new one. */
  private <T> Leased<T> withLease(LeasedCall<T> call) throws DcsException {
    Lease l = lease();
    try {
      return new Leased<>(l, call.call(l));
    } catch (DcsException e) {
      if (e.kind() != DcsException.Kind.LEASE_NOT_FOUND) {
        throw e;
      }
      forget(l);
      Lease fresh = lease();
      return new Leased<>(fresh, call.call(fresh));
    }
  }

  private static long written(WriteResult r, String key) throws DcsException {
    if (r instanceof WriteResult.Written w) {
      return w.version();
    }
    // An unconditional put cannot conflict; a store saying so breaks the SPI contract.
    throw new DcsException(DcsException.Kind.INTERNAL, "the store reported a conflict for an unconditional put of " + key);
  }

  @Override
  public String toString() {
    return "PatroniDcs[" + name + " @ " + path.base() + "]";
  }
}
