package dev.primus.agent.sim;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.InMemoryDcs;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A member's DCS connection with an auditor in front (invariant 5). Every write to a key Patroni
 * protects by compare-and-swap ({@code config}, {@code failover}, {@code sync}, {@code initialize},
 * {@code leader}) is checked against the store as it really was just before the write, read with
 * {@link InMemoryDcs#peek} (an observer's view, not a client call):
 * <ul>
 *   <li>an unconditional {@code put} or prefix delete that touches such a key is a violation, since a
 *       stale writer's put silently replaces whatever a newer writer stored;</li>
 *   <li>a conditional write the store applied must have had its condition true (the version, value or
 *       absence it named), which checks the store and the layout agree on what CAS means.</li>
 * </ul>
 * Everything else passes through untouched, so the layout and the store behave exactly as unwrapped;
 * writes of {@code status} are also reported to the invariant checker (the last known primary position).
 */
final class AuditedStore implements KeyValueStore {
  private final InMemoryDcs.Client delegate;
  private final String writer;
  private final Set<String> protectedKeys;
  private final Violations violations;
  private final LeaseClock leases;
  private final String statusKey;
  private final BiConsumer<String, String> statusWritten;

  AuditedStore(InMemoryDcs.Client delegate, String writer, ClusterPath path, Violations violations, LeaseClock leases,
      BiConsumer<String, String> statusWritten) {
    this.delegate = delegate;
    this.writer = writer;
    this.protectedKeys = Set.of(path.config(), path.failover(), path.sync(), path.initialize(), path.leader());
    this.violations = violations;
    this.leases = leases;
    this.statusKey = path.status();
    this.statusWritten = statusWritten;
  }

  InMemoryDcs.Client client() {
    return delegate;
  }

  private Optional<KeyValue> truth(String key) {
    return delegate.server().peek(key).get(key);
  }

  @Override
  public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    WriteResult r = delegate.createIfAbsent(key, value, lease);
    if (r.succeeded() && before.isPresent()) {
      violations.report(5, writer + " create-if-absent of " + key + " replaced an existing value "
          + before.get().value() + " (version " + before.get().version() + ")");
    }
    return r;
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    WriteResult r = delegate.compareAndSet(key, value, expectedVersion, lease);
    if (r.succeeded() && protectedKeys.contains(key)
        && (before.isEmpty() || before.get().version() != expectedVersion)) {
      violations.report(5, writer + " CAS of " + key + " on version " + expectedVersion + " was applied but the key was "
          + before.map(kv -> "at version " + kv.version()).orElse("absent"));
    }
    return r;
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    WriteResult r = delegate.compareValueAndSet(key, expectedValue, value, lease);
    if (r.succeeded() && protectedKeys.contains(key)
        && (before.isEmpty() || !before.get().value().equals(expectedValue))) {
      violations.report(5, writer + " value-CAS of " + key + " expecting '" + expectedValue + "' was applied but the key "
          + before.map(kv -> "held '" + kv.value() + "'").orElse("was absent"));
    }
    return r;
  }

  @Override
  public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    WriteResult r = delegate.put(key, value, lease);
    if (r.succeeded() && key.equals(statusKey)) {
      statusWritten.accept(writer, value);
    }
    if (r.succeeded() && protectedKeys.contains(key)) {
      violations.report(5, writer + " wrote " + key + " unconditionally ('" + value + "'), replacing "
          + before.map(kv -> "'" + kv.value() + "' version " + kv.version()).orElse("nothing"));
    }
    return r;
  }

  @Override
  public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    DeleteResult r = delegate.deleteIfVersion(key, expectedVersion);
    if (r == DeleteResult.DELETED && protectedKeys.contains(key)
        && (before.isEmpty() || before.get().version() != expectedVersion)) {
      violations.report(5, writer + " deleted " + key + " on version " + expectedVersion + " but it was "
          + before.map(kv -> "at version " + kv.version()).orElse("absent"));
    }
    return r;
  }

  @Override
  public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
    Optional<KeyValue> before = protectedKeys.contains(key) ? truth(key) : Optional.empty();
    DeleteResult r = delegate.deleteIfValue(key, expectedValue);
    if (r == DeleteResult.DELETED && protectedKeys.contains(key)
        && (before.isEmpty() || !before.get().value().equals(expectedValue))) {
      violations.report(5, writer + " deleted " + key + " expecting '" + expectedValue + "' but it "
          + before.map(kv -> "held '" + kv.value() + "'").orElse("was absent"));
    }
    return r;
  }

  @Override
  public long deletePrefix(String prefix) throws DcsException {
    long n = delegate.deletePrefix(prefix);
    if (n > 0 && protectedKeys.stream().anyMatch(k -> k.startsWith(prefix))) {
      violations.report(5, writer + " deleted prefix " + prefix + " including CAS-protected keys");
    }
    return n;
  }

  @Override
  public Lease grant(Duration ttl) throws DcsException {
    Lease l = delegate.grant(ttl);
    leases.refreshed(l);
    return l;
  }

  @Override
  public KeepAliveResult keepAlive(Lease lease) throws DcsException {
    KeepAliveResult r = delegate.keepAlive(lease);
    if (r instanceof KeepAliveResult.Alive alive) {
      leases.refreshed(alive.lease());
    }
    return r;
  }

  @Override
  public void revoke(Lease lease) throws DcsException {
    delegate.revoke(lease);
    leases.revoked(lease);
  }

  @Override
  public Snapshot read(String prefix) throws DcsException {
    return delegate.read(prefix);
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
