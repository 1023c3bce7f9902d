package dev.primus.dcs.consul;

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
 * A store that adds {@link Capability#OUTAGE_SIMULATION} to the capabilities of the one it wraps.
 * Cutting the agent off is something {@link ConsulContractIT}'s harness can do ({@link TcpProxy}),
 * not a property of {@link ConsulKeyValueStore}, yet the contract kit reads capabilities from the store;
 * every call is passed through unchanged.
 */
final class OutageSimulating implements KeyValueStore {
  private final KeyValueStore store;

  OutageSimulating(KeyValueStore store) {
    this.store = store;
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> all = EnumSet.of(Capability.OUTAGE_SIMULATION);
    all.addAll(store.capabilities());
    return Set.copyOf(all);
  }

  @Override
  public Optional<Watchable> watcher() {
    return store.watcher();
  }

  @Override
  public Lease grant(Duration ttl) throws DcsException {
    return store.grant(ttl);
  }

  @Override
  public KeepAliveResult keepAlive(Lease lease) throws DcsException {
    return store.keepAlive(lease);
  }

  @Override
  public void revoke(Lease lease) throws DcsException {
    store.revoke(lease);
  }

  @Override
  public Snapshot read(String prefix) throws DcsException {
    return store.read(prefix);
  }

  @Override
  public WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException {
    return store.createIfAbsent(key, value, lease);
  }

  @Override
  public WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException {
    return store.compareAndSet(key, value, expectedVersion, lease);
  }

  @Override
  public WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException {
    return store.compareValueAndSet(key, expectedValue, value, lease);
  }

  @Override
  public WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException {
    return store.put(key, value, lease);
  }

  @Override
  public DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException {
    return store.deleteIfVersion(key, expectedVersion);
  }

  @Override
  public DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException {
    return store.deleteIfValue(key, expectedValue);
  }

  @Override
  public long deletePrefix(String prefix) throws DcsException {
    return store.deletePrefix(prefix);
  }

  @Override
  public ConnectionState connectionState() {
    return store.connectionState();
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "OutageSimulating[" + store + "]";
  }
}
