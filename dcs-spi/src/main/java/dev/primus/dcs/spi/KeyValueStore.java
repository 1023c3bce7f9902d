package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A small key-value store with leases: everything a DCS backend implements.
 *
 * <p>Keys are absolute paths such as {@code /service/pg/leader}; values are UTF-8 strings stored byte
 * for byte. Every method either returns the outcome or throws {@link DcsException} when the store could
 * not be asked; expected conflicts are outcomes. Implementations are thread-safe: the runner's loop,
 * REST threads and the watch thread call one instance at once.
 *
 * <p>An implementation must pass {@code dev.primus.dcs.spi.KeyValueStoreContract} from this module's
 * test-jar. See the package documentation for how etcd, ZooKeeper and Consul map onto it.
 */
public interface KeyValueStore extends AutoCloseable {

  /**
   * Grants a new lease. Keys attached to it are deleted by the store once it has not been kept alive
   * for {@code ttl}.
   */
  Lease grant(Duration ttl) throws DcsException;

  /** Restarts the lease's TTL; reports {@link KeepAliveResult.Expired} if the lease is gone. */
  KeepAliveResult keepAlive(Lease lease) throws DcsException;

  /** Ends the lease now, deleting every key attached to it. Revoking an expired lease is a no-op. */
  void revoke(Lease lease) throws DcsException;

  /** Every key that starts with {@code prefix}, with versions and owning leases. */
  Snapshot read(String prefix) throws DcsException;

  /**
   * Creates {@code key} only if it does not exist. Exactly one of many concurrent callers wins.
   *
   * @param lease attach the key to this lease, or none for a key that outlives the agent
   */
  WriteResult createIfAbsent(String key, String value, Optional<Lease> lease) throws DcsException;

  /** Writes {@code key} only if its current version is {@code expectedVersion}. */
  WriteResult compareAndSet(String key, String value, long expectedVersion, Optional<Lease> lease)
      throws DcsException;

  /** Writes {@code key} only if its current value equals {@code expectedValue}. */
  WriteResult compareValueAndSet(String key, String expectedValue, String value, Optional<Lease> lease)
      throws DcsException;

  /** Writes {@code key} unconditionally, creating it if needed. */
  WriteResult put(String key, String value, Optional<Lease> lease) throws DcsException;

  /** Deletes {@code key} only if its version is {@code expectedVersion}. */
  DeleteResult deleteIfVersion(String key, long expectedVersion) throws DcsException;

  /** Deletes {@code key} only if its value equals {@code expectedValue}. */
  DeleteResult deleteIfValue(String key, String expectedValue) throws DcsException;

  /** Deletes every key under {@code prefix} (used by {@code ctl remove}). Returns how many went. */
  long deletePrefix(String prefix) throws DcsException;

  /** The connection state now, without a request. */
  ConnectionState connectionState();

  /** The optional capabilities this store has. */
  default Set<Capability> capabilities() {
    return Set.of();
  }

  /** The native watch, when the store has one (declare {@link Capability#WATCH} too). */
  default Optional<Watchable> watcher() {
    return Optional.empty();
  }

  /** Releases connections and threads. Does not revoke leases: call {@link #revoke} first if meant. */
  @Override
  void close();
}
