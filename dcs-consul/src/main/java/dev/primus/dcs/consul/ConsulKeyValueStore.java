package dev.primus.dcs.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import java.math.BigInteger;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.KeyValueClient;
import org.kiwiproject.consul.SessionClient;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.ImmutableOperation;
import org.kiwiproject.consul.model.kv.Operation;
import org.kiwiproject.consul.model.kv.TxResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.model.kv.Verb;
import org.kiwiproject.consul.model.session.ImmutableSession;
import org.kiwiproject.consul.model.session.SessionCreatedResponse;
import org.kiwiproject.consul.model.session.SessionInfo;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.ImmutableTransactionOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.kiwiproject.consul.option.TransactionOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dcs-spi {@link KeyValueStore} over Consul's HTTP API, through {@code org.kiwiproject:consul-client}.
 *
 * <h2>Mapping</h2>
 * <table>
 *   <caption>SPI operation to Consul request</caption>
 *   <tr><th>SPI</th><th>Consul</th></tr>
 *   <tr><td>{@link #grant}</td><td>{@code PUT /v1/session/create} with {@code Behavior=delete},
 *       {@code LockDelay=0s}, {@code TTL=ttl/2} in whole seconds, at least 10 s (see {@code SessionTtl});
 *       the returned lease reports the ttl really granted, {@code 2 x TTL}</td></tr>
 *   <tr><td>{@link #keepAlive}</td><td>{@code PUT /v1/session/renew/<id>}; 404 means
 *       {@link KeepAliveResult.Expired}</td></tr>
 *   <tr><td>{@link #revoke}</td><td>{@code PUT /v1/session/destroy/<id>}: the session's keys go in the
 *       same Raft entry, so they are gone when it returns</td></tr>
 *   <tr><td>{@link #read}</td><td>{@code GET /v1/kv/<prefix>?recurse}; version = {@code ModifyIndex},
 *       lease = {@code Session}, snapshot revision = {@code X-Consul-Index}</td></tr>
 *   <tr><td>writes</td><td>{@code PUT /v1/txn} with the KV verbs: {@code cas} with index 0
 *       (create-if-absent), {@code cas}/{@code check-index} with the {@code ModifyIndex} (compare-and-set),
 *       {@code lock} with the session (a leased key: what {@code ?acquire=} does),
 *       {@code set} (plain put)</td></tr>
 *   <tr><td>{@link #compareValueAndSet}, {@link #deleteIfValue}</td><td>a read, then the CAS on the
 *       {@code ModifyIndex} it saw</td></tr>
 *   <tr><td>{@link #deleteIfVersion}, {@link #deletePrefix}</td><td>{@code check-index} + {@code delete};
 *       {@code get-tree} + {@code delete-tree} (one transaction, so the count is exact)</td></tr>
 *   <tr><td>{@link #watcher()}</td><td>a blocking query: {@code GET /v1/kv/<prefix>?recurse&index=<rev>&wait=<n>s}</td></tr>
 * </table>
 *
 * <h2>Why transactions rather than {@code PUT /v1/kv/<key>?cas=&acquire=}</h2>
 * The KV endpoint answers a write with a bare {@code true}/{@code false}: the new {@code ModifyIndex}
 * would need a second, racy read, while the SPI returns the version a write produced. It also drops
 * {@code cas} when {@code acquire} is given (the lock verb wins), so "create only if absent, attached to
 * my session" cannot be said in one request. {@code /v1/txn} takes the same verbs, applies them
 * atomically and returns the entries it wrote.
 *
 * <h2>Consul behaviours that show through, and one this store hides</h2>
 * <ul>
 *   <li>Consul skips a write that changes nothing (same value, flags and session), keeping the
 *       {@code ModifyIndex}; the SPI promises a new version on every write. Every write therefore
 *       stores a fresh random number in the entry's {@code Flags}, a field opaque to Consul and ignored
 *       by Patroni.
 *   <li>A write without a lease ({@code set}, {@code cas}) leaves a lock another session holds in place,
 *       and a leased write ({@code lock}) fails while another session holds the key: Consul lets only
 *       the holder release a lock. Such a leased write returns {@link WriteResult.Conflict}.
 *   <li>consul-client leaves empty lists out of request bodies, so when {@code checks} is empty the
 *       session gets Consul's default check, the agent's {@code serfHealth}, where Patroni sends an
 *       explicit empty list: a session also ends if the agent's node fails Consul's gossip checks.
 * </ul>
 *
 * <h2>Errors, deadlines, connection state</h2>
 * Every request has a deadline, the cluster's {@code retry_timeout} (a blocking query: its wait plus
 * that); failures are classified by {@code ConsulErrors}. A request that finds no usable agent turns
 * the state {@link ConnectionState#SUSPENDED}, {@link ConnectionState#LOST} once that lasts the ttl,
 * and {@link ConnectionState#RECONNECTED} on the next answer ({@link ConnectionTracker}).
 *
 * <p>Thread-safe. The ACL token travels in the {@code X-Consul-Token} header and is never logged.
 */
public final class ConsulKeyValueStore implements KeyValueStore {
  private static final Logger LOG = LoggerFactory.getLogger(ConsulKeyValueStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Consul's longest blocking wait; longer asks are capped by the agent anyway. */
  private static final Duration MAX_WAIT = Duration.ofMinutes(10);
  private static final String SESSION_NAME = "primus";
  /** How often a value-conditional write re-reads when the version moved under an unchanged value. */
  private static final int VALUE_CAS_ATTEMPTS = 3;

  private final ConsulConfig config;
  private final Consul consul;
  private final KeyValueClient kv;
  private final SessionClient sessions;
  private final Duration requestTimeout;
  private final ConnectionTracker tracker;
  private final BoundedCalls calls = new BoundedCalls("primus-consul");
  private final SecureRandom nonces = new SecureRandom();
  private final Watchable watch = this::awaitChange;

  private ConsulKeyValueStore(ConsulConfig config, Consul consul, Duration requestTimeout, ConnectionTracker tracker) {
    this.config = config;
    this.consul = consul;
    this.kv = consul.keyValueClient();
    this.sessions = consul.sessionClient();
    this.requestTimeout = requestTimeout;
    this.tracker = tracker;
  }

  /**
   * A store for the agent {@code config} names. Does not contact Consul: the first request does.
   *
   * @param ttl            the cluster's leader-lock ttl: failures lasting this long turn the state LOST
   * @param requestTimeout the deadline of one request (Patroni's {@code retry_timeout})
   * @throws DcsConfigException if a TLS file cannot be used (naming {@code cacert}, {@code cert} or
   *     {@code key})
   */
  public static ConsulKeyValueStore connect(ConsulConfig config, Duration ttl, Duration requestTimeout)
      throws DcsConfigException {
    return connect(config, ttl, requestTimeout, System::nanoTime);
  }

  static ConsulKeyValueStore connect(ConsulConfig config, Duration ttl, Duration requestTimeout, LongSupplier nanoTime)
      throws DcsConfigException {
    Objects.requireNonNull(config, "config");
    requirePositive(ttl, "ttl");
    requirePositive(requestTimeout, "requestTimeout");
    Consul.Builder builder = Consul.builder()
        .withPing(false)
        // The connect timeout is the shorter one so that an unreachable agent is reported as such
        // (UNAVAILABLE, nothing sent) before the call's deadline turns it into an unknown outcome.
        .withConnectTimeoutMillis(Math.max(1, requestTimeout.toMillis() / 2))
        .withReadTimeoutMillis(requestTimeout.toMillis())
        .withWriteTimeoutMillis(requestTimeout.toMillis());
    try {
      builder.withUrl(config.endpoint().toURL());
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new DcsConfigException("host", "cannot make a URL of " + config.endpoint() + ": " + e.getMessage());
    }
    config.token().ifPresent(builder::withTokenAuth);
    Optional<Tls> tls = Tls.of(config);
    if (tls.isPresent()) {
      builder.withSslContext(tls.get().context()).withTrustManager(tls.get().trustManager());
      tls.get().hostnameVerifier().ifPresent(builder::withHostnameVerifier);
      if (!config.verify()) {
        LOG.warn("consul.verify is false: the Consul agent's certificate and host name are not checked");
      }
    }
    return new ConsulKeyValueStore(config, builder.build(), requestTimeout, new ConnectionTracker(ttl, nanoTime));
  }

  // ---------------------------------------------------------------- leases

  @Override
  public Lease grant(Duration ttl) throws DcsException {
    requirePositive(ttl, "ttl");
    Duration sessionTtl = SessionTtl.forLease(ttl);
    if (sessionTtl.compareTo(SessionTtl.MAX) > 0) {
      throw new DcsException(Kind.INVALID_REQUEST, "grant(" + ttl + "): Consul sessions last at most "
          + SessionTtl.leaseTtl(SessionTtl.MAX) + " (TTL " + SessionTtl.MAX + ")");
    }
    ImmutableSession session = ImmutableSession.builder()
        .name(SESSION_NAME)
        .ttl(SessionTtl.format(sessionTtl))
        .behavior("delete")
        // Zero, not Consul's 15 s default: after a leader dies its key must be acquirable at once.
        .lockDelay("0s")
        .checks(config.checks())
        .build();
    SessionCreatedResponse created = call("grant(" + ttl + ")", requestTimeout,
        () -> sessions.createSession(session, config.dc().orElse(null)));
    if (created == null || created.getId() == null || created.getId().isEmpty()) {
      throw new DcsException(Kind.INTERNAL, "grant(" + ttl + "): Consul answered without a session id");
    }
    return new Lease(created.getId(), SessionTtl.leaseTtl(sessionTtl));
  }

  @Override
  public KeepAliveResult keepAlive(Lease lease) throws DcsException {
    Objects.requireNonNull(lease, "lease");
    Optional<SessionInfo> renewed = call("keepAlive(" + lease.id() + ")", requestTimeout, () -> {
      try {
        return sessions.renewSession(config.dc().orElse(null), lease.id());
      } catch (ConsulException e) {
        if (e.hasCode() && e.getCode() == 404) {
          return Optional.<SessionInfo>empty(); // "Session id '...' not found": it expired or was destroyed
        }
        throw e;
      }
    });
    if (renewed.isEmpty()) {
      return new KeepAliveResult.Expired();
    }
    // Consul may raise the TTL on renewal; report what it now grants.
    Duration ttl = renewed.get().getTtl().flatMap(SessionTtl::parse).map(SessionTtl::leaseTtl).orElse(lease.ttl());
    return new KeepAliveResult.Alive(new Lease(lease.id(), ttl));
  }

  @Override
  public void revoke(Lease lease) throws DcsException {
    Objects.requireNonNull(lease, "lease");
    // Destroying a session that is already gone answers true: revoking twice is a no-op, as the SPI wants.
    call("revoke(" + lease.id() + ")", requestTimeout, () -> {
      sessions.destroySession(lease.id(), config.dc().orElse(null));
      return null;
    });
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Snapshot read(String prefix) throws DcsException {
    String consulPrefix = ConsulKeys.toConsul(prefix);
    ConsulResponse<List<Value>> response = call("read(" + prefix + ")", requestTimeout,
        () -> kv.getConsulResponseWithValues(consulPrefix, queryOptions().build()));
    return snapshot(prefix, consulPrefix, response);
  }

  private Snapshot snapshot(String prefix, String consulPrefix, ConsulResponse<List<Value>> response) {
    List<KeyValue> entries = new ArrayList<>();
    List<Value> values = response.getResponse() == null ? List.of() : response.getResponse();
    for (Value v : values) {
      if (v.getKey().startsWith(consulPrefix)) {
        entries.add(keyValue(v));
      }
    }
    entries.sort(Comparator.comparing(KeyValue::key));
    return new Snapshot(prefix, entries, index(response), tracker.state());
  }

  private Optional<KeyValue> readKey(String key, String consulKey) throws DcsException {
    return call("read(" + key + ")", requestTimeout,
        () -> kv.getValue(consulKey, queryOptions().build()).map(ConsulKeyValueStore::keyValue));
  }

  private static KeyValue keyValue(Value v) {
    // An empty value comes back as null; decode as UTF-8 whatever the platform charset is.
    String value = v.getValueAsBytes().map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
    Optional<String> session = v.getSession().filter(s -> !s.isEmpty());
    return new KeyValue(ConsulKeys.fromConsul(v.getKey()), value, v.getModifyIndex(), session);
  }

  private static long index(ConsulResponse<?> response) {
    BigInteger index = response.getIndex();
    return index == null ? 0 : index.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
  }

  private ImmutableQueryOptions.Builder queryOptions() {
    ImmutableQueryOptions.Builder b = ImmutableQueryOptions.builder().consistencyMode(consistencyMode());
    config.dc().ifPresent(b::datacenter);
    return b;
  }

  private ConsistencyMode consistencyMode() {
    return switch (config.consistency()) {
      case DEFAULT -> ConsistencyMode.DEFAULT;
      case CONSISTENT -> ConsistencyMode.CONSISTENT;
      case STALE -> ConsistencyMode.STALE;
    };
  }

  // ---------------------------------------------------------------- writes

  @Override
  public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
    Objects.requireNonNull(value, "value");
    String ck = ConsulKeys.toConsul(key);
    // cas with index 0 writes only if the key does not exist; the lock verb then attaches the session.
    List<Operation> ops = new ArrayList<>();
    ops.add(valueOp(Verb.CHECK_AND_SET, ck, value).index(BigInteger.ZERO).build());
    lease.ifPresent(l -> ops.add(valueOp(Verb.LOCK, ck, value).session(l.id()).build()));
    return write("createIfAbsent(" + key + ")", key, ck, lease, ops);
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    Objects.requireNonNull(value, "value");
    String ck = ConsulKeys.toConsul(key);
    return write("compareAndSet(" + key + ", " + expectedVersion + ")", key, ck, lease,
        casOps(ck, value, expectedVersion, lease));
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    Objects.requireNonNull(expectedValue, "expectedValue");
    Objects.requireNonNull(value, "value");
    String ck = ConsulKeys.toConsul(key);
    String what = "compareValueAndSet(" + key + ")";
    WriteResult last = new WriteResult.Conflict(Optional.empty());
    for (int attempt = 0; attempt < VALUE_CAS_ATTEMPTS; attempt++) {
      Optional<KeyValue> current = readKey(key, ck);
      if (current.isEmpty() || !current.get().value().equals(expectedValue)) {
        return new WriteResult.Conflict(current);
      }
      last = write(what, key, ck, lease, casOps(ck, value, current.get().version(), lease));
      if (last.succeeded()) {
        return last;
      }
      // The version moved between the read and the write; look again whether the value still matches.
    }
    return last;
  }

  @Override
  public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
    Objects.requireNonNull(value, "value");
    String ck = ConsulKeys.toConsul(key);
    Operation op = lease.isPresent()
        ? valueOp(Verb.LOCK, ck, value).session(lease.get().id()).build()
        : valueOp(Verb.SET, ck, value).build();
    return write("put(" + key + ")", key, ck, lease, List.of(op));
  }

  private List<Operation> casOps(String ck, String value, long expectedVersion, Optional<Lease> lease) {
    if (lease.isEmpty()) {
      return List.of(valueOp(Verb.CHECK_AND_SET, ck, value).index(BigInteger.valueOf(expectedVersion)).build());
    }
    // lock ignores indexes, so the version is checked by a separate verb in the same transaction.
    return List.of(
        Operation.builder(Verb.CHECK_INDEX).key(ck).index(BigInteger.valueOf(expectedVersion)).build(),
        valueOp(Verb.LOCK, ck, value).session(lease.get().id()).build());
  }

  /** A value-carrying operation with a fresh nonce in its flags, so that Consul never skips it. */
  private ImmutableOperation.Builder valueOp(Verb verb, String ck, String value) {
    return Operation.builder(verb).key(ck).value(value).flags(nonces.nextLong() & Long.MAX_VALUE);
  }

  private WriteResult write(String what, String key, String ck, Optional<Lease> lease, List<Operation> ops)
      throws DcsException {
    TxnOutcome outcome = transact(what, ops);
    if (outcome instanceof TxnOutcome.Applied applied) {
      long version = 0;
      for (Map<String, Value> result : applied.response().results()) {
        Value v = result.get("KV");
        if (v != null && v.getKey().equals(ck)) {
          version = Math.max(version, v.getModifyIndex());
        }
      }
      if (version == 0) {
        throw new DcsException(Kind.INTERNAL, what + ": Consul applied the transaction but returned no entry for " + ck);
      }
      return new WriteResult.Written(version);
    }
    TxnOutcome.RolledBack rolledBack = (TxnOutcome.RolledBack) outcome;
    if (lease.isPresent() && (rolledBack.mentions("invalid session") || !sessionExists(what, lease.get()))) {
      throw new DcsException(Kind.LEASE_NOT_FOUND, what + ": the lease " + lease.get().id()
          + " no longer exists; grant a new one (" + rolledBack.errors() + ")");
    }
    return new WriteResult.Conflict(currentQuietly(key, ck));
  }

  private boolean sessionExists(String what, Lease lease) throws DcsException {
    return call(what + ": session info", requestTimeout,
        () -> sessions.getSessionInfo(lease.id(), config.dc().orElse(null))).isPresent();
  }

  /** The key as it is after a conflict, for {@link WriteResult.Conflict}; empty if that read fails. */
  private Optional<KeyValue> currentQuietly(String key, String ck) {
    try {
      return readKey(key, ck);
    } catch (DcsException e) {
      // The conflict is certain; the current entry is only a courtesy.
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- deletes

  @Override
  public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
    String ck = ConsulKeys.toConsul(key);
    // check-index, not delete-cas: delete-cas reports success on a key that does not exist.
    TxnOutcome outcome = transact("deleteIfVersion(" + key + ", " + expectedVersion + ")", List.of(
        Operation.builder(Verb.CHECK_INDEX).key(ck).index(BigInteger.valueOf(expectedVersion)).build(),
        Operation.builder(Verb.DELETE).key(ck).build()));
    if (outcome instanceof TxnOutcome.Applied) {
      return DeleteResult.DELETED;
    }
    return readKey(key, ck).isPresent() ? DeleteResult.CONFLICT : DeleteResult.ABSENT;
  }

  @Override
  public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
    Objects.requireNonNull(expectedValue, "expectedValue");
    String ck = ConsulKeys.toConsul(key);
    for (int attempt = 0; attempt < VALUE_CAS_ATTEMPTS; attempt++) {
      Optional<KeyValue> current = readKey(key, ck);
      if (current.isEmpty()) {
        return DeleteResult.ABSENT;
      }
      if (!current.get().value().equals(expectedValue)) {
        return DeleteResult.CONFLICT;
      }
      TxnOutcome outcome = transact("deleteIfValue(" + key + ")", List.of(
          Operation.builder(Verb.CHECK_INDEX).key(ck).index(BigInteger.valueOf(current.get().version())).build(),
          Operation.builder(Verb.DELETE).key(ck).build()));
      if (outcome instanceof TxnOutcome.Applied) {
        return DeleteResult.DELETED;
      }
    }
    return DeleteResult.CONFLICT;
  }

  @Override
  public long deletePrefix(String prefix) throws DcsException {
    String cp = ConsulKeys.toConsul(prefix);
    String what = "deletePrefix(" + prefix + ")";
    TxnOutcome outcome = transact(what, List.of(
        Operation.builder(Verb.GET_TREE).key(cp).build(),
        Operation.builder(Verb.DELETE_TREE).key(cp).build()));
    if (outcome instanceof TxnOutcome.Applied applied) {
      return applied.response().results().stream().filter(r -> r.containsKey("KV")).count();
    }
    throw new DcsException(Kind.INTERNAL, what + ": Consul rolled the transaction back: "
        + ((TxnOutcome.RolledBack) outcome).errors());
  }

  // ---------------------------------------------------------------- transactions

  /** How a transaction ended: applied with its results, or rolled back (409) with Consul's reasons. */
  private sealed interface TxnOutcome {
    record Applied(TxResponse response) implements TxnOutcome {}

    record RolledBack(List<String> errors) implements TxnOutcome {
      boolean mentions(String text) {
        return errors.stream().anyMatch(e -> e.toLowerCase(Locale.ROOT).contains(text));
      }
    }
  }

  private TxnOutcome transact(String what, List<Operation> ops) throws DcsException {
    TransactionOptions options = config.dc().isPresent()
        ? ImmutableTransactionOptions.builder().datacenter(config.dc().get()).build()
        : ImmutableTransactionOptions.builder().build();
    TxnOutcome outcome = call(what, requestTimeout, () -> {
      try {
        return new TxnOutcome.Applied(kv.performTransaction(options, ops.toArray(new Operation[0])).getResponse());
      } catch (ConsulException e) {
        if (e.hasCode() && e.getCode() == 409) {
          return new TxnOutcome.RolledBack(txnErrors(ConsulErrors.body(e.getMessage())));
        }
        throw e;
      }
    });
    if (outcome instanceof TxnOutcome.RolledBack rb
        && (rb.mentions("permission denied") || rb.mentions("acl not found"))) {
      // Consul reports ACL refusals inside a transaction as a rolled-back 409, not as a 403.
      throw new DcsException(Kind.AUTHENTICATION, what + ": Consul refused: " + rb.errors());
    }
    return outcome;
  }

  /** The "What" of each error in a rolled-back transaction's body; the raw body if it is not JSON. */
  static List<String> txnErrors(String body) {
    List<String> out = new ArrayList<>();
    try {
      JsonNode errors = JSON.readTree(body).path("Errors");
      for (JsonNode e : errors) {
        out.add(e.path("What").asText());
      }
    } catch (java.io.IOException | RuntimeException e) {
      out.add(body.strip());
    }
    if (out.isEmpty()) {
      out.add(body.strip());
    }
    return List.copyOf(out);
  }

  // ---------------------------------------------------------------- watch

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.WATCH);
  }

  @Override
  public Optional<Watchable> watcher() {
    return Optional.of(watch);
  }

  /**
   * Blocking queries on the prefix until its {@code X-Consul-Index} passes {@code sinceRevision}.
   * Revision 0 means "from now": the current index is read first. Consul's wait is in whole seconds
   * (consul-client sizes its read timeout from it) plus up to 1/16 of jitter, so a timeout may be
   * overrun by under a second plus that jitter, never cut short.
   */
  private WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
      throws DcsException, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    String cp = ConsulKeys.toConsul(prefix);
    // Real time, not the tracker's clock: this is a wait the caller asked for, measured like Consul's.
    long deadline = System.nanoTime() + timeout.toNanos();
    long since = sinceRevision > 0 ? sinceRevision : read(prefix).revision();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return WatchOutcome.TIMED_OUT;
      }
      long waitSeconds = Math.min(MAX_WAIT.toSeconds(), Math.max(1, -Math.floorDiv(-left, 1_000_000_000L)));
      QueryOptions options = queryOptions().wait(waitSeconds + "s").index(BigInteger.valueOf(since)).build();
      Duration callDeadline = Duration.ofSeconds(waitSeconds).plus(Duration.ofSeconds(waitSeconds).dividedBy(16))
          .plus(requestTimeout);
      ConsulResponse<List<Value>> response = interruptibleCall("watch(" + prefix + ")", callDeadline,
          () -> kv.getConsulResponseWithValues(cp, options));
      long index = index(response);
      if (index != since) {
        // Greater: something under the prefix changed. Smaller: Consul reset its index (a snapshot
        // restore, tombstones reaped); the SPI allows a spurious CHANGED, never a missed one.
        return WatchOutcome.CHANGED;
      }
    }
  }

  // ---------------------------------------------------------------- calls

  private <T> T call(String what, Duration deadline, Callable<T> request) throws DcsException {
    try {
      return interruptibleCall(what, deadline, request);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ConsulErrors.interrupted(what, e);
    }
  }

  /** Runs one request with its deadline and feeds the outcome to the connection tracker. */
  private <T> T interruptibleCall(String what, Duration deadline, Callable<T> request)
      throws DcsException, InterruptedException {
    if (calls.isClosed()) {
      throw new DcsException(Kind.INTERNAL, what + ": the store is closed");
    }
    long started = tracker.now();
    DcsException failure;
    try {
      T result = calls.run(request, deadline);
      tracker.answered();
      return result;
    } catch (ExecutionException e) {
      failure = ConsulErrors.classify(what, e.getCause() == null ? e : e.getCause());
    } catch (TimeoutException e) {
      failure = ConsulErrors.deadline(what, deadline, e);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      throw new DcsException(Kind.INTERNAL, what + ": the store is closed", e);
    }
    if (failure.retryable()) {
      tracker.unreachable(started);
    } else {
      tracker.answered();
    }
    LOG.debug("{} failed ({}): {}", what, failure.kind(), failure.getMessage());
    throw failure;
  }

  @Override
  public ConnectionState connectionState() {
    return tracker.state();
  }

  @Override
  public void close() {
    calls.close();
    consul.destroy();
  }

  @Override
  public String toString() {
    return "ConsulKeyValueStore[" + config.endpoint() + config.dc().map(d -> ", dc=" + d).orElse("") + "]";
  }

  private static void requirePositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
