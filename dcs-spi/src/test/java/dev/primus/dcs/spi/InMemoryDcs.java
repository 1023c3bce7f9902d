package dev.primus.dcs.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory DCS server for unit tests and the deterministic HA simulator; {@link #client(String)}
 * hands out {@link KeyValueStore}s connected to it. It passes {@link KeyValueStoreContract}.
 *
 * <h2>Data</h2>
 * Keys live in one sorted map. A global revision counter grows by one with every change (a write, or
 * the deletion of one key); a written key's version is the revision of that write, so versions are
 * unique across all keys and never reused, and {@link Snapshot#revision()} is the counter.
 *
 * <h2>Time</h2>
 * Lease expiry is real, but measured on the injected {@link Clock}: a lease granted or kept alive at
 * {@code t} expires at {@code t + ttl} (at that instant, not after), and its keys are deleted then.
 * Nothing runs in the background: expiry is evaluated lazily at the start of every client call, and
 * in {@link #expireLeases()}, which a simulator calls after advancing its {@link ManualClock} so that
 * blocked watchers see the deletions. With {@link Clock#systemUTC()} the store behaves like a real one.
 *
 * <h2>Faults</h2>
 * <ul>
 *   <li>{@link #setAvailable(boolean) setAvailable(false)}: the whole DCS is down. Every client call
 *       throws {@link DcsException.Kind#UNAVAILABLE}; blocked watchers wake and throw too. Leases do
 *       not expire while the DCS is down, and when it comes back every lease gets a fresh ttl from that
 *       moment (etcd's lessor and Consul's session timers do the same on a new leader), so an outage by
 *       itself never deletes a key.</li>
 *   <li>{@link Client#setReachable(boolean) client.setReachable(false)}: one node is cut off. Only that
 *       client's calls throw; the server carries on, so its leases expire on schedule.</li>
 * </ul>
 * A cut-off client's {@link KeyValueStore#connectionState()} is {@link ConnectionState#SUSPENDED} from
 * the moment it is cut off, and {@link ConnectionState#LOST} once the cut-off has lasted (on the
 * injected clock) at least the ttl of the newest lease that client was granted; a client that never
 * had a lease stays SUSPENDED. Once it can reach the server again it reports
 * {@link ConnectionState#RECONNECTED} for the rest of its life (Curator's reading: connected, after an
 * interruption).
 *
 * <h2>Watch</h2>
 * Clients declare {@link Capability#WATCH}: {@link Watchable#awaitChange} blocks in real time on this
 * server's monitor (it is test code), and wakes on every change, on faults, and at the next lease
 * expiry instant of the injected clock. The last {@value #CHANGE_LOG_CAPACITY} changes are remembered;
 * a wait from an older revision returns {@link Watchable.WatchOutcome#CHANGED} at once (spurious, which
 * the contract allows), as etcd does after compaction.
 *
 * <p>Thread-safe: one monitor guards the server and all its clients.
 */
public final class InMemoryDcs {
  /** How many recent changes a watch can look back on. */
  public static final int CHANGE_LOG_CAPACITY = 10_000;

  private final Clock clock;
  private final Object monitor = new Object();

  // Everything below is guarded by monitor.
  private final TreeMap<String, KeyValue> keys = new TreeMap<>();
  private final Map<String, LeaseState> leases = new LinkedHashMap<>();
  private final ArrayDeque<Change> changes = new ArrayDeque<>();
  private final Set<Client> clients = Collections.newSetFromMap(new IdentityHashMap<>());
  private long revision;
  private long forgottenThrough;
  private long leaseCounter;
  private boolean available = true;
  private Instant unavailableSince;

  /** An empty, available store whose leases run on {@code clock}. */
  public InMemoryDcs(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The clock leases are measured on. */
  public Clock clock() {
    return clock;
  }

  /**
   * A new client, like a new connection: several clients may share a name (a restarted node); the name
   * only appears in lease ids and error messages.
   */
  public Client client(String name) {
    Objects.requireNonNull(name, "name");
    Client c = new Client(name);
    synchronized (monitor) {
      clients.add(c);
    }
    return c;
  }

  /**
   * Takes the whole DCS down ({@code false}) or brings it back ({@code true}); see the class comment
   * for what happens to leases. Idempotent.
   */
  public void setAvailable(boolean up) {
    synchronized (monitor) {
      if (up == available) {
        return;
      }
      Instant now = clock.instant();
      if (up) {
        for (LeaseState l : leases.values()) {
          Instant fresh = now.plus(l.lease.ttl());
          if (fresh.isAfter(l.expiresAt)) {
            l.expiresAt = fresh;
          }
        }
        unavailableSince = null;
      } else {
        unavailableSince = now;
        for (Client c : clients) {
          c.wasCutOff = true;
        }
      }
      available = up;
      monitor.notifyAll();
    }
  }

  /** Whether the DCS as a whole is up. */
  public boolean isAvailable() {
    synchronized (monitor) {
      return available;
    }
  }

  /**
   * Deletes the keys of every lease whose ttl has run out on the clock, and wakes watchers. The
   * simulator calls this after advancing its clock; client calls do it themselves. A no-op while the
   * DCS is unavailable.
   *
   * @return how many leases expired
   */
  public int expireLeases() {
    synchronized (monitor) {
      return expireDue();
    }
  }

  /**
   * Every key under {@code prefix} as the server holds it, regardless of faults: an observer's view
   * for invariant checks (who holds the leader key?), not a client call. Expires due leases first.
   */
  public Snapshot peek(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    synchronized (monitor) {
      expireDue();
      return new Snapshot(prefix, under(prefix), revision, ConnectionState.CONNECTED);
    }
  }

  /** The revision of the latest change. */
  public long revision() {
    synchronized (monitor) {
      return revision;
    }
  }

  @Override
  public String toString() {
    synchronized (monitor) {
      return "InMemoryDcs[" + keys.size() + " keys, " + leases.size() + " leases, revision " + revision
          + (available ? "" : ", UNAVAILABLE") + "]";
    }
  }

  // ---- server internals; callers hold monitor ----

  private int expireDue() {
    if (!available) {
      // No leader counts lease time while the DCS is down (see the class comment).
      return 0;
    }
    Instant now = clock.instant();
    List<String> expired = new ArrayList<>();
    for (Iterator<LeaseState> it = leases.values().iterator(); it.hasNext(); ) {
      LeaseState l = it.next();
      if (!now.isBefore(l.expiresAt)) {
        it.remove();
        expired.add(l.lease.id());
      }
    }
    for (String id : expired) {
      deleteKeysOf(id);
    }
    return expired.size();
  }

  private void deleteKeysOf(String leaseId) {
    List<String> owned = new ArrayList<>();
    for (KeyValue kv : keys.values()) {
      if (kv.leaseId().isPresent() && kv.leaseId().get().equals(leaseId)) {
        owned.add(kv.key());
      }
    }
    for (String k : owned) {
      remove(k);
    }
  }

  private long write(String key, String value, Optional<Lease> lease) {
    long version = ++revision;
    keys.put(key, new KeyValue(key, value, version, lease.map(Lease::id)));
    logChange(version, key);
    return version;
  }

  private void remove(String key) {
    keys.remove(key);
    logChange(++revision, key);
  }

  private void logChange(long rev, String key) {
    changes.addLast(new Change(rev, key));
    if (changes.size() > CHANGE_LOG_CAPACITY) {
      forgottenThrough = changes.removeFirst().revision();
    }
    monitor.notifyAll();
  }

  private boolean changedSince(String prefix, long since) {
    if (since < forgottenThrough) {
      return true;
    }
    for (Iterator<Change> it = changes.descendingIterator(); it.hasNext(); ) {
      Change c = it.next();
      if (c.revision() <= since) {
        return false;
      }
      if (c.key().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private List<KeyValue> under(String prefix) {
    List<KeyValue> out = new ArrayList<>();
    for (KeyValue kv : keys.tailMap(prefix, true).values()) {
      if (!kv.key().startsWith(prefix)) {
        break;
      }
      out.add(kv);
    }
    return out;
  }

  private Optional<Instant> nextExpiry() {
    Instant next = null;
    for (LeaseState l : leases.values()) {
      if (next == null || l.expiresAt.isBefore(next)) {
        next = l.expiresAt;
      }
    }
    return Optional.ofNullable(next);
  }

  private static final class LeaseState {
    final Lease lease;
    Instant expiresAt;

    LeaseState(Lease lease, Instant expiresAt) {
      this.lease = lease;
      this.expiresAt = expiresAt;
    }
  }

  private record Change(long revision, String key) {}

  /**
   * One connection to the {@link InMemoryDcs}: a thread-safe {@link KeyValueStore} with a native watch,
   * which the simulator can cut off from the server with {@link #setReachable(boolean)}.
   */
  public final class Client implements KeyValueStore, Watchable {
    private final String name;
    // Guarded by monitor.
    private boolean reachable = true;
    private Instant unreachableSince;
    private boolean wasCutOff;
    private Duration sessionTtl;
    private boolean closed;

    private Client(String name) {
      this.name = name;
    }

    /** The name given to {@link InMemoryDcs#client(String)}. */
    public String name() {
      return name;
    }

    /** The server this client talks to. */
    public InMemoryDcs server() {
      return InMemoryDcs.this;
    }

    /** Cuts this client off from the server ({@code false}) or reconnects it ({@code true}). */
    public void setReachable(boolean up) {
      synchronized (monitor) {
        if (up == reachable) {
          return;
        }
        reachable = up;
        if (up) {
          unreachableSince = null;
        } else {
          unreachableSince = clock.instant();
          wasCutOff = true;
        }
        monitor.notifyAll();
      }
    }

    @Override
    public Lease grant(Duration ttl) throws DcsException {
      Objects.requireNonNull(ttl, "ttl");
      synchronized (monitor) {
        enter();
        if (ttl.isNegative() || ttl.isZero()) {
          throw new DcsException(DcsException.Kind.INVALID_REQUEST, "lease ttl must be positive, got " + ttl);
        }
        Lease lease = new Lease(name + "#" + (++leaseCounter), ttl);
        leases.put(lease.id(), new LeaseState(lease, clock.instant().plus(ttl)));
        sessionTtl = ttl;
        return lease;
      }
    }

    @Override
    public KeepAliveResult keepAlive(Lease lease) throws DcsException {
      Objects.requireNonNull(lease, "lease");
      synchronized (monitor) {
        enter();
        LeaseState l = leases.get(lease.id());
        if (l == null) {
          return new KeepAliveResult.Expired();
        }
        l.expiresAt = clock.instant().plus(l.lease.ttl());
        return new KeepAliveResult.Alive(l.lease);
      }
    }

    @Override
    public void revoke(Lease lease) throws DcsException {
      Objects.requireNonNull(lease, "lease");
      synchronized (monitor) {
        enter();
        if (leases.remove(lease.id()) != null) {
          deleteKeysOf(lease.id());
        }
      }
    }

    @Override
    public Snapshot read(String prefix) throws DcsException {
      synchronized (monitor) {
        enter();
        checkPath(prefix, "prefix");
        return new Snapshot(prefix, under(prefix), revision, state());
      }
    }

    @Override
    public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
      synchronized (monitor) {
        enter();
        checkWrite(key, value, lease);
        KeyValue current = keys.get(key);
        if (current != null) {
          return new WriteResult.Conflict(Optional.of(current));
        }
        return new WriteResult.Written(write(key, value, lease));
      }
    }

    @Override
    public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
        throws DcsException {
      synchronized (monitor) {
        enter();
        checkWrite(key, value, lease);
        KeyValue current = keys.get(key);
        if (current == null || current.version() != expectedVersion) {
          return new WriteResult.Conflict(Optional.ofNullable(current));
        }
        return new WriteResult.Written(write(key, value, lease));
      }
    }

    @Override
    public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
        throws DcsException {
      Objects.requireNonNull(expectedValue, "expectedValue");
      synchronized (monitor) {
        enter();
        checkWrite(key, value, lease);
        KeyValue current = keys.get(key);
        if (current == null || !current.value().equals(expectedValue)) {
          return new WriteResult.Conflict(Optional.ofNullable(current));
        }
        return new WriteResult.Written(write(key, value, lease));
      }
    }

    @Override
    public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
      synchronized (monitor) {
        enter();
        checkWrite(key, value, lease);
        return new WriteResult.Written(write(key, value, lease));
      }
    }

    @Override
    public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
      synchronized (monitor) {
        enter();
        checkPath(key, "key");
        KeyValue current = keys.get(key);
        if (current == null) {
          return DeleteResult.ABSENT;
        }
        if (current.version() != expectedVersion) {
          return DeleteResult.CONFLICT;
        }
        remove(key);
        return DeleteResult.DELETED;
      }
    }

    @Override
    public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
      Objects.requireNonNull(expectedValue, "expectedValue");
      synchronized (monitor) {
        enter();
        checkPath(key, "key");
        KeyValue current = keys.get(key);
        if (current == null) {
          return DeleteResult.ABSENT;
        }
        if (!current.value().equals(expectedValue)) {
          return DeleteResult.CONFLICT;
        }
        remove(key);
        return DeleteResult.DELETED;
      }
    }

    @Override
    public long deletePrefix(String prefix) throws DcsException {
      synchronized (monitor) {
        enter();
        checkPath(prefix, "prefix");
        List<KeyValue> doomed = under(prefix);
        for (KeyValue kv : doomed) {
          remove(kv.key());
        }
        return doomed.size();
      }
    }

    /**
     * Waits for a change under {@code prefix}. A {@code sinceRevision} of zero or less means "from
     * now" (etcd's reading), as a caller without a revision has nothing older to compare with.
     */
    @Override
    public WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
        throws DcsException, InterruptedException {
      Objects.requireNonNull(timeout, "timeout");
      long deadline = System.nanoTime() + saturatedNanos(timeout);
      synchronized (monitor) {
        enter();
        checkPath(prefix, "prefix");
        long since = sinceRevision > 0 ? sinceRevision : revision;
        while (true) {
          if (changedSince(prefix, since)) {
            return WatchOutcome.CHANGED;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return WatchOutcome.TIMED_OUT;
          }
          // Wake at the next expiry instant too, so that with a real clock a lease running out is
          // seen without anyone else calling in. With a manual clock this is only a spare wake-up.
          long wait = left;
          Optional<Instant> next = available ? nextExpiry() : Optional.empty();
          if (next.isPresent()) {
            long untilExpiry = saturatedNanos(Duration.between(clock.instant(), next.get()));
            wait = Math.max(TimeUnit.MILLISECONDS.toNanos(1), Math.min(left, untilExpiry));
          }
          TimeUnit.NANOSECONDS.timedWait(monitor, wait);
          enter();
        }
      }
    }

    @Override
    public ConnectionState connectionState() {
      synchronized (monitor) {
        if (closed) {
          return ConnectionState.LOST;
        }
        return state();
      }
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of(Capability.WATCH);
    }

    @Override
    public Optional<Watchable> watcher() {
      return Optional.of(this);
    }

    /** Forgets this client; its leases run on until they expire, as when a node dies. */
    @Override
    public void close() {
      synchronized (monitor) {
        closed = true;
        clients.remove(this);
        monitor.notifyAll();
      }
    }

    @Override
    public String toString() {
      return "InMemoryDcs.Client[" + name + "]";
    }

    // ---- callers hold monitor ----

    private void enter() throws DcsException {
      if (closed) {
        throw new IllegalStateException(this + " is closed");
      }
      if (!available) {
        throw new DcsException(DcsException.Kind.UNAVAILABLE, "the in-memory DCS is unavailable (" + this + ")");
      }
      if (!reachable) {
        throw new DcsException(DcsException.Kind.UNAVAILABLE, this + " is cut off from the in-memory DCS");
      }
      expireDue();
    }

    private ConnectionState state() {
      Instant since = cutOffSince();
      if (since == null) {
        return wasCutOff ? ConnectionState.RECONNECTED : ConnectionState.CONNECTED;
      }
      if (sessionTtl != null && Duration.between(since, clock.instant()).compareTo(sessionTtl) >= 0) {
        return ConnectionState.LOST;
      }
      return ConnectionState.SUSPENDED;
    }

    private Instant cutOffSince() {
      // Both outages are ongoing when both are set, so the cut-off began at the earlier one.
      Instant a = available ? null : unavailableSince;
      Instant b = reachable ? null : unreachableSince;
      if (a == null) {
        return b;
      }
      return b == null || a.isBefore(b) ? a : b;
    }

    private void checkWrite(String key, String value, Optional<Lease> lease) throws DcsException {
      checkPath(key, "key");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(lease, "lease");
      if (lease.isPresent() && !leases.containsKey(lease.get().id())) {
        // Writing anyway would leave a key that never expires: the one thing a leader key must not be.
        throw new DcsException(DcsException.Kind.LEASE_NOT_FOUND,
            "lease " + lease.get().id() + " has expired or was revoked");
      }
    }
  }

  private static void checkPath(String path, String what) throws DcsException {
    Objects.requireNonNull(path, what);
    if (!path.startsWith("/")) {
      throw new DcsException(DcsException.Kind.INVALID_REQUEST, what + " must start with '/', got '" + path + "'");
    }
  }

  private static long saturatedNanos(Duration d) {
    if (d.isNegative()) {
      return 0;
    }
    try {
      return d.toNanos();
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 2;
    }
  }
}
