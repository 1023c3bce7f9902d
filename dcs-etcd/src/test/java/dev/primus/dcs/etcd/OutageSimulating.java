package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable;
import dev.primus.dcs.spi.WriteResult;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link EtcdKeyValueStore} that also declares {@link Capability#OUTAGE_SIMULATION}. Being able to
 * stop and restart the server is a property of the test harness ({@link EtcdServers}), not of the
 * store, so the production store does not claim it; the contract kit reads capabilities from the store,
 * hence this thin wrapper in the tests. Everything else is delegated unchanged.
 */
final class OutageSimulating implements KeyValueStore {
  private final KeyValueStore delegate;

  OutageSimulating(KeyValueStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> all = EnumSet.of(Capability.OUTAGE_SIMULATION);
    all.addAll(delegate.capabilities());
    return Set.copyOf(all);
  }

  @Override
  public Optional<Watchable> watcher() {
    return delegate.watcher();
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
  public Snapshot read(String prefix) throws DcsException {
    return delegate.read(prefix);
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
    delegate.close();
  }

  @Override
  public String toString() {
    return "OutageSimulating[" + delegate + "]";
  }
}
