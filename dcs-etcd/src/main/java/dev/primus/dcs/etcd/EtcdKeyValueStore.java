package dev.primus.dcs.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.ConnectionTracker;
import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.WriteResult;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The etcd v3 {@link KeyValueStore}, over jetcd (native gRPC).
 *
 * <p>Keys are stored exactly as given ({@code /service/pg/leader}), values as their UTF-8 bytes, so
 * Patroni's etcd3 client reading through the gRPC gateway sees the same objects:
 *
 * <ul>
 *   <li>a {@link Lease} is an etcd lease; its id is the lease id in decimal, as in {@link KeyValue#leaseId()};
 *   <li>an entry's version is its {@code mod_revision}; a {@link Snapshot}'s revision is the header revision;
 *   <li>{@link #createIfAbsent} is a txn comparing {@code create_revision == 0}, {@link #compareAndSet}
 *       compares {@code mod_revision}, {@link #compareValueAndSet} and {@link #deleteIfValue} compare the
 *       value, exactly as Patroni's leader race, config/failover/sync CAS and leader release do;
 *   <li>the watch is a native prefix watch from the caller's revision.
 * </ul>
 *
 * <p>A request has {@code retryTimeout} in all, spent in attempts of {@link #attemptTimeout} each (a
 * third of it, so at least two attempts fit), every attempt a gRPC call with that deadline on the wire.
 * gRPC's round-robin balancer sends each call to the next member, so when one member stops answering
 * (a host whose packets are dropped keeps its TCP connection "ready" for a long while) the attempt that
 * went there ends at its deadline and the next one asks another member: the request gives way after one
 * attempt, not after the whole {@code retryTimeout} (issue 11: the old single deadline pinned the lock
 * renewal on the silent member until the agent demoted). The balancer then passes over that member
 * ({@link SilentMembers}) until keep-alive pings (every 10 s, gRPC's minimum, only while calls are
 * open, as etcd permits) have closed its dead connection.
 *
 * <p>Redoing a request after an attempt whose answer was lost is safe for reads, lease keep-alives,
 * revokes and unconditional puts. The conditional writes are redone too, because their compare makes a
 * duplicate harmless, and the outcome of the redo is reconciled: a {@code create} or compare-and-set
 * whose redo finds the key already holding exactly the value (and lease) it writes reports
 * {@link WriteResult.Written} (the lost attempt wrote it); a conditional delete whose redo finds the key
 * gone reports {@link DeleteResult#ABSENT}. A write none of whose attempts got an answer is reported as
 * {@link Kind#TIMEOUT}, outcome unknown. The {@link ConnectionState} follows the outcomes:
 * {@code SUSPENDED} from the first request etcd did not answer, {@code LOST} once that has lasted the
 * TTL, {@code RECONNECTED} after.
 */
public final class EtcdKeyValueStore implements KeyValueStore {
  /** Slack over the gRPC deadline, so the call's own DEADLINE_EXCEEDED normally arrives first. */
  private static final long WAIT_SLACK_MILLIS = 200;
  /** Below this much time left, no further attempt is started. */
  private static final long MIN_ATTEMPT_MILLIS = 50;

  private final Client client;
  private final KV kv;
  private final io.etcd.jetcd.Lease leases;
  private final EtcdWatch watch;
  private final ConnectionTracker tracker;
  private final ConnectBackoff backoff;
  private final SilentMembers silentMembers;
  private final Duration retryTimeout;
  private final Duration attemptTimeout;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EtcdKeyValueStore(Client client, SilentMembers silentMembers, ConnectionTracker tracker,
      Duration retryTimeout, String description) {
    this.client = client;
    this.silentMembers = silentMembers;
    this.kv = client.getKVClient();
    this.leases = client.getLeaseClient();
    this.tracker = tracker;
    this.backoff = ConnectBackoff.of(client);
    this.retryTimeout = retryTimeout;
    this.attemptTimeout = attemptTimeout(retryTimeout);
    this.description = description;
    this.watch = new EtcdWatch(this, client.getWatchClient(), tracker, retryTimeout, attemptTimeout);
  }

  /**
   * Builds a store for {@code config}. The gRPC connection is made lazily, by the first request.
   *
   * @param ttl          the lease TTL the agent uses; failures lasting this long make the state LOST
   * @param retryTimeout the deadline of one request, retries included
   * @throws DcsConfigException if a TLS file cannot be used (naming {@code cacert}, {@code cert} or {@code key})
   */
  public static EtcdKeyValueStore connect(EtcdConfig config, Duration ttl, Duration retryTimeout)
      throws DcsConfigException {
    Objects.requireNonNull(config, "config");
    requirePositive(ttl, "ttl");
    requirePositive(retryTimeout, "retryTimeout");
    Duration attempt = attemptTimeout(retryTimeout);
    ClientBuilder builder = Client.builder()
        .endpoints(config.endpoints())
        // Fail fast when no member is reachable rather than queueing until the deadline: the caller
        // learns "unavailable, nothing sent" at once, and the connection state follows.
        .waitForReady(false)
        .retryDelay(100)
        .retryMaxDelay(1000)
        .retryMaxAttempts(Integer.MAX_VALUE)
        // jetcd's own retries (reads on UNAVAILABLE) stay within one attempt of the store's.
        .retryMaxDuration(attempt)
        .connectTimeout(min(attempt, Duration.ofSeconds(5)))
        // A member whose packets vanish keeps its connection "ready" until a ping goes unanswered. gRPC
        // pings no more often than every 10 s (its floor), etcd tolerates pings every 5 s but only while
        // a call is open (permit-without-stream is off), so: 10 s, with calls only; the ping must be
        // answered within one attempt's time.
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(max(attempt, Duration.ofSeconds(1)))
        .keepaliveWithoutCalls(false);
    if (config.username().isPresent()) {
      builder.user(ByteSequence.from(config.username().get(), UTF_8))
          .password(ByteSequence.from(config.password().orElseThrow(), UTF_8));
    }
    if (config.tls()) {
      builder.sslContext(Tls.clientContext(config));
    }
    String description = "etcd3 " + config.endpoints();
    // Round robin over the members: every call goes to the next ready member, so a redone attempt asks
    // another one, passing over a member whose calls just ran into their deadline until keep-alive has
    // had time to close its connection.
    SilentMembers silent = SilentMembers.register(Duration.ofSeconds(10).plus(attempt.multipliedBy(2)));
    builder.loadBalancerPolicy(silent.policyName())
        .interceptor(silent.interceptor(), new DeadlineInterceptor(attempt), new RequireLeaderInterceptor(),
            new KeepAliveOnceInterceptor());
    try {
      return new EtcdKeyValueStore(builder.build(), silent, new ConnectionTracker(ttl), retryTimeout, description);
    } catch (RuntimeException e) {
      silent.close();
      throw e;
    }
  }

  @Override
  public Lease grant(Duration ttl) throws DcsException {
    requirePositive(ttl, "ttl");
    // etcd counts lease TTLs in whole seconds; round up so the lease never lives shorter than asked.
    long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
    LeaseGrantResponse r = call("grant a lease of " + seconds + "s", false, () -> leases.grant(seconds));
    return new Lease(Long.toString(r.getID()), Duration.ofSeconds(r.getTTL()));
  }

  @Override
  public KeepAliveResult keepAlive(Lease lease) throws DcsException {
    long id = leaseId(lease);
    try {
      LeaseKeepAliveResponse r = call("keep lease " + lease.id() + " alive", false, () -> leases.keepAliveOnce(id));
      return new KeepAliveResult.Alive(new Lease(lease.id(), Duration.ofSeconds(r.getTTL())));
    } catch (DcsException e) {
      if (e.kind() == Kind.LEASE_NOT_FOUND) {
        return new KeepAliveResult.Expired();
      }
      throw e;
    }
  }

  @Override
  public void revoke(Lease lease) throws DcsException {
    long id = leaseId(lease);
    try {
      call("revoke lease " + lease.id(), false, () -> leases.revoke(id));
    } catch (DcsException e) {
      if (e.kind() != Kind.LEASE_NOT_FOUND) {
        throw e;
      }
      // Already expired or revoked: the goal is reached.
    }
  }

  @Override
  public Snapshot read(String prefix) throws DcsException {
    Objects.requireNonNull(prefix, "prefix");
    GetOption option = GetOption.builder()
        .isPrefix(true)
        .withSortField(GetOption.SortTarget.KEY)
        .withSortOrder(GetOption.SortOrder.ASCEND)
        .build();
    GetResponse r = call("read " + prefix, false, () -> kv.get(bytes(prefix), option));
    List<KeyValue> entries = new ArrayList<>(r.getKvs().size());
    for (io.etcd.jetcd.KeyValue e : r.getKvs()) {
      entries.add(entry(e));
    }
    return new Snapshot(prefix, entries, r.getHeader().getRevision(), tracker.state());
  }

  @Override
  public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
    ByteSequence k = bytes(key);
    PutOption put = putOption(lease);
    // Patroni's leader race: compare CREATE revision == 0, i.e. the key does not exist.
    Answer<TxnResponse> r = attempts("create " + key, true, () -> kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(k, bytes(value), put))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return reconciled(writeOutcome(r.value()), r.earlierLost(), value, lease);
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    ByteSequence k = bytes(key);
    PutOption put = putOption(lease);
    Answer<TxnResponse> r = attempts("compare-and-set " + key + " at version " + expectedVersion, true,
        () -> kv.txn()
            .If(modRevisionIs(k, expectedVersion), exists(k))
            .Then(Op.put(k, bytes(value), put))
            .Else(Op.get(k, GetOption.DEFAULT))
            .commit());
    return reconciled(writeOutcome(r.value()), r.earlierLost(), value, lease);
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    ByteSequence k = bytes(key);
    ByteSequence expected = bytes(expectedValue);
    PutOption put = putOption(lease);
    // etcd fails a VALUE compare on a missing key, so an absent key is a conflict, never a create.
    Answer<TxnResponse> r = attempts("compare-value-and-set " + key, true, () -> kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(expected)))
        .Then(Op.put(k, bytes(value), put))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return reconciled(writeOutcome(r.value()), r.earlierLost(), value, lease);
  }

  @Override
  public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
    ByteSequence k = bytes(key);
    ByteSequence v = bytes(value);
    PutOption put = putOption(lease);
    var r = call("put " + key, true, () -> kv.put(k, v, put));
    return new WriteResult.Written(r.getHeader().getRevision());
  }

  @Override
  public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
    ByteSequence k = bytes(key);
    TxnResponse r = call("delete " + key + " at version " + expectedVersion, true, () -> kv.txn()
        .If(modRevisionIs(k, expectedVersion), exists(k))
        .Then(Op.delete(k, DeleteOption.DEFAULT))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return deleteOutcome(r);
  }

  @Override
  public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
    ByteSequence k = bytes(key);
    ByteSequence expected = bytes(expectedValue);
    TxnResponse r = call("delete " + key + " if its value matches", true, () -> kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(expected)))
        .Then(Op.delete(k, DeleteOption.DEFAULT))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return deleteOutcome(r);
  }

  @Override
  public long deletePrefix(String prefix) throws DcsException {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.isEmpty()) {
      // An empty prefix is etcd's whole keyspace, other tenants' keys included.
      throw new DcsException(Kind.INVALID_REQUEST, "refusing to delete the empty prefix (the whole keyspace)");
    }
    DeleteOption option = DeleteOption.builder().isPrefix(true).build();
    return call("delete prefix " + prefix, true, () -> kv.delete(bytes(prefix), option)).getDeleted();
  }

  @Override
  public ConnectionState connectionState() {
    return tracker.state();
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.WATCH);
  }

  @Override
  public Optional<Watchable> watcher() {
    return Optional.of(watch);
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
      silentMembers.close();
    }
  }

  @Override
  public String toString() {
    return "EtcdKeyValueStore[" + description + "]";
  }

  // ---------------------------------------------------------------------------------------------

  /** What a request's attempts came to: the answer, and whether an earlier attempt's answer was lost. */
  private record Answer<T>(T value, boolean earlierLost) {}

  /** {@link #attempts} for requests whose redo needs no reconciling. */
  private <T> T call(String what, boolean mutation, Supplier<CompletableFuture<T>> request) throws DcsException {
    return attempts(what, mutation, request).value();
  }

  /**
   * Runs one request in attempts of {@link #attemptTimeout} until one is answered or {@code retryTimeout}
   * has passed, feeding the connection tracker. Each attempt is a new gRPC call, which the round-robin
   * balancer sends to the next member; an attempt is redone after a lost answer ({@link Kind#TIMEOUT})
   * or an unreachable member ({@link Kind#UNAVAILABLE}), never after an answer (an error etcd gave).
   *
   * @param mutation whether the request writes, so that a lost answer makes the outcome unknown
   */
  private <T> Answer<T> attempts(String what, boolean mutation, Supplier<CompletableFuture<T>> request)
      throws DcsException {
    ensureOpen(what);
    beforeRequest();
    long started = tracker.now();
    long end = System.nanoTime() + retryTimeout.toNanos();
    boolean lost = false;
    int count = 0;
    DcsException last;
    while (true) {
      count++;
      long attemptStart = System.nanoTime();
      long wait = Math.min(attemptTimeout.toNanos(), Math.max(0, end - attemptStart))
          + TimeUnit.MILLISECONDS.toNanos(WAIT_SLACK_MILLIS);
      try {
        T result = attempt(what, mutation, request, wait);
        tracker.answered();
        return new Answer<>(result, lost);
      } catch (DcsException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw e;
        }
        if (e.kind() != Kind.TIMEOUT && e.kind() != Kind.UNAVAILABLE) {
          throw failed(e, started);
        }
        if (mutation && !lost && e.kind() == Kind.UNAVAILABLE && EtcdErrors.notSent(e.getCause())) {
          // No member reachable and nothing sent: the writer learns it at once, as before; reads keep
          // trying within the retry timeout (jetcd did so for them before as well).
          throw failed(e, started);
        }
        last = e;
        lost |= e.kind() == Kind.TIMEOUT;
      }
      long left = end - System.nanoTime();
      if (left < TimeUnit.MILLISECONDS.toNanos(MIN_ATTEMPT_MILLIS) || closed.get()) {
        break;
      }
      // A member that refused at once: let gRPC try to connect again, and do not spin.
      backoff.reset();
      long quick = TimeUnit.MILLISECONDS.toNanos(100) - (System.nanoTime() - attemptStart);
      if (quick > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(Math.min(quick, left));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DcsException(mutation && lost ? Kind.TIMEOUT : Kind.UNAVAILABLE,
              what + ": interrupted while waiting for etcd", e);
        }
      }
    }
    Kind kind = mutation && lost ? Kind.TIMEOUT : last.kind();
    String outcome = mutation && lost ? " (outcome unknown)" : "";
    throw failed(new DcsException(kind, what + ": no answer from " + description + " within "
        + retryTimeout.toMillis() + " ms, " + count + (count == 1 ? " attempt" : " attempts") + outcome
        + "; last: " + last.getMessage(), last), started);
  }

  /** One attempt: one gRPC call, waited for {@code waitNanos} at most. */
  private <T> T attempt(String what, boolean mutation, Supplier<CompletableFuture<T>> request, long waitNanos)
      throws DcsException {
    CompletableFuture<T> future;
    try {
      future = request.get();
    } catch (RuntimeException e) {
      throw EtcdErrors.classify(e, mutation, what);
    }
    try {
      return future.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw EtcdErrors.classify(e.getCause(), mutation, what);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new DcsException(Kind.TIMEOUT, what + ": no answer within " + attemptTimeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      // The request may have been sent: the outcome is unknown, as for a timeout.
      throw new DcsException(Kind.TIMEOUT, what + ": interrupted while waiting for etcd", e);
    }
  }

  /**
   * A conflict that a redo met may be the lost attempt's own write: when the key holds exactly the value
   * (and the lease) this request writes, it is reported as written. A compare-and-set has no other way to
   * leave that state behind it, and a racer writing the very same bytes under this caller's own lease
   * cannot happen.
   */
  static WriteResult reconciled(WriteResult result, boolean earlierLost, String value, Optional<Lease> lease) {
    if (!earlierLost || !(result instanceof WriteResult.Conflict c) || c.current().isEmpty()) {
      return result;
    }
    KeyValue current = c.current().get();
    Optional<String> leaseId = lease.map(Lease::id);
    if (current.value().equals(value) && current.leaseId().equals(leaseId)) {
      return new WriteResult.Written(current.version());
    }
    return result;
  }

  /** The deadline of one attempt: a third of {@code retryTimeout}, at least two attempts' worth. */
  static Duration attemptTimeout(Duration retryTimeout) {
    long total = retryTimeout.toMillis();
    return Duration.ofMillis(Math.max(1, Math.max(total / 3, Math.min(total / 2, 500))));
  }

  private DcsException failed(DcsException e, long started) {
    if (EtcdErrors.serverAnswered(e.kind())) {
      tracker.answered();
    } else {
      tracker.unreachable(started);
    }
    return e;
  }

  /** While etcd is out of reach, each request also tries to connect (see {@link ConnectBackoff}). */
  void beforeRequest() {
    if (!tracker.state().isConnected()) {
      backoff.reset();
    }
  }

  /** Whether the reconnect backoff can be cut short with this jetcd version. */
  boolean backoffResettable() {
    return backoff.effective();
  }

  void ensureOpen(String what) throws DcsException {
    if (closed.get()) {
      throw new DcsException(Kind.INTERNAL, what + ": the store is closed");
    }
  }

  private static WriteResult writeOutcome(TxnResponse r) {
    if (r.isSucceeded()) {
      // A txn with one put gives the key the txn's revision, which the header reports.
      return new WriteResult.Written(r.getHeader().getRevision());
    }
    return new WriteResult.Conflict(current(r));
  }

  private static DeleteResult deleteOutcome(TxnResponse r) {
    if (r.isSucceeded()) {
      return DeleteResult.DELETED;
    }
    return current(r).isPresent() ? DeleteResult.CONFLICT : DeleteResult.ABSENT;
  }

  /** The key as the txn's else-branch read it. */
  private static Optional<KeyValue> current(TxnResponse r) {
    if (r.getGetResponses().isEmpty() || r.getGetResponses().get(0).getKvs().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(entry(r.getGetResponses().get(0).getKvs().get(0)));
  }

  private static KeyValue entry(io.etcd.jetcd.KeyValue e) {
    long lease = e.getLease();
    return new KeyValue(e.getKey().toString(UTF_8), e.getValue().toString(UTF_8), e.getModRevision(),
        lease == 0 ? Optional.empty() : Optional.of(Long.toString(lease)));
  }

  private static Cmp modRevisionIs(ByteSequence key, long version) {
    return new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(version));
  }

  /**
   * The key exists. etcd compares a missing key as if all its revisions were 0, so without this a CAS
   * expecting version 0 would create the key.
   */
  private static Cmp exists(ByteSequence key) {
    return new Cmp(key, Cmp.Op.GREATER, CmpTarget.createRevision(0));
  }

  private static PutOption putOption(Optional<Lease> lease) throws DcsException {
    Objects.requireNonNull(lease, "lease");
    if (lease.isEmpty()) {
      return PutOption.DEFAULT;
    }
    return PutOption.builder().withLeaseId(leaseId(lease.get())).build();
  }

  private static long leaseId(Lease lease) throws DcsException {
    Objects.requireNonNull(lease, "lease");
    try {
      return Long.parseLong(lease.id());
    } catch (NumberFormatException e) {
      throw new DcsException(Kind.INVALID_REQUEST, "'" + lease.id() + "' is not an etcd lease id", e);
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(Objects.requireNonNull(s, "key or value"), UTF_8);
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
