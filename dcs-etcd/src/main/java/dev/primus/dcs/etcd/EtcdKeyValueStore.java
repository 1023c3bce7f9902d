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
 * <p>Every request has a deadline of {@code retryTimeout}: jetcd's own retries (for reads and other
 * requests that are safe to redo) stay within it, and each gRPC call carries it on the wire. Writes are
 * never retried here: a write whose answer was lost is reported as {@link Kind#TIMEOUT}, outcome
 * unknown. The {@link ConnectionState} follows the outcomes: {@code SUSPENDED} from the first request
 * etcd did not answer, {@code LOST} once that has lasted the TTL, {@code RECONNECTED} after.
 */
public final class EtcdKeyValueStore implements KeyValueStore {
  /** Slack over the gRPC deadline, so the call's own DEADLINE_EXCEEDED normally arrives first. */
  private static final long WAIT_SLACK_MILLIS = 500;

  private final Client client;
  private final KV kv;
  private final io.etcd.jetcd.Lease leases;
  private final EtcdWatch watch;
  private final ConnectionTracker tracker;
  private final ConnectBackoff backoff;
  private final Duration retryTimeout;
  private final String description;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EtcdKeyValueStore(Client client, ConnectionTracker tracker, Duration retryTimeout, String description) {
    this.client = client;
    this.kv = client.getKVClient();
    this.leases = client.getLeaseClient();
    this.tracker = tracker;
    this.backoff = ConnectBackoff.of(client);
    this.retryTimeout = retryTimeout;
    this.description = description;
    this.watch = new EtcdWatch(this, client.getWatchClient(), tracker, retryTimeout);
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
    ClientBuilder builder = Client.builder()
        .endpoints(config.endpoints())
        // Fail fast when no member is reachable rather than queueing until the deadline: the caller
        // learns "unavailable, nothing sent" at once, and the connection state follows.
        .waitForReady(false)
        .retryDelay(100)
        .retryMaxDelay(1000)
        .retryMaxAttempts(Integer.MAX_VALUE)
        .retryMaxDuration(retryTimeout)
        .connectTimeout(min(retryTimeout, Duration.ofSeconds(5)))
        // etcd refuses pings more often than every 5 s (its grpc-keepalive-min-time) and pings on idle
        // connections; request deadlines detect dead members anyway.
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(max(retryTimeout, Duration.ofSeconds(1)))
        .keepaliveWithoutCalls(false)
        .interceptor(new DeadlineInterceptor(retryTimeout), new KeepAliveOnceInterceptor());
    if (config.username().isPresent()) {
      builder.user(ByteSequence.from(config.username().get(), UTF_8))
          .password(ByteSequence.from(config.password().orElseThrow(), UTF_8));
    }
    if (config.tls()) {
      builder.sslContext(Tls.clientContext(config));
    }
    String description = "etcd3 " + config.endpoints();
    return new EtcdKeyValueStore(builder.build(), new ConnectionTracker(ttl), retryTimeout, description);
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
    TxnResponse r = call("create " + key, true, () -> kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(k, bytes(value), put))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return writeOutcome(r);
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    ByteSequence k = bytes(key);
    PutOption put = putOption(lease);
    TxnResponse r = call("compare-and-set " + key + " at version " + expectedVersion, true, () -> kv.txn()
        .If(modRevisionIs(k, expectedVersion), exists(k))
        .Then(Op.put(k, bytes(value), put))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return writeOutcome(r);
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    ByteSequence k = bytes(key);
    ByteSequence expected = bytes(expectedValue);
    PutOption put = putOption(lease);
    // etcd fails a VALUE compare on a missing key, so an absent key is a conflict, never a create.
    TxnResponse r = call("compare-value-and-set " + key, true, () -> kv.txn()
        .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(expected)))
        .Then(Op.put(k, bytes(value), put))
        .Else(Op.get(k, GetOption.DEFAULT))
        .commit());
    return writeOutcome(r);
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
    }
  }

  @Override
  public String toString() {
    return "EtcdKeyValueStore[" + description + "]";
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Runs one request and waits for it within the deadline, feeding the connection tracker.
   *
   * @param mutation whether the request writes, so that a lost answer is an unknown outcome
   */
  private <T> T call(String what, boolean mutation, Supplier<CompletableFuture<T>> request) throws DcsException {
    ensureOpen(what);
    beforeRequest();
    long started = tracker.now();
    CompletableFuture<T> future;
    try {
      future = request.get();
    } catch (RuntimeException e) {
      throw failed(EtcdErrors.classify(e, mutation, what), started);
    }
    try {
      T result = future.get(retryTimeout.toMillis() + WAIT_SLACK_MILLIS, TimeUnit.MILLISECONDS);
      tracker.answered();
      return result;
    } catch (ExecutionException e) {
      throw failed(EtcdErrors.classify(e.getCause(), mutation, what), started);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw failed(new DcsException(Kind.TIMEOUT,
          what + ": no answer from " + description + " within " + retryTimeout.toMillis() + " ms", e), started);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      // The request may have been sent: the outcome is unknown, as for a timeout.
      throw new DcsException(Kind.TIMEOUT, what + ": interrupted while waiting for etcd", e);
    }
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
