package dev.primus.dcs.spi;

/**
 * The store's connection state, in Apache Curator's vocabulary, carried as data on every
 * {@link Snapshot} so that "the DCS is unreachable" is an ordinary input of the decision engine.
 */
public enum ConnectionState {
  /** Connected; requests are answered. */
  CONNECTED,
  /**
   * The connection was interrupted; the store may come back with the same lease. Leased keys may still
   * exist on the server, but this client cannot vouch for them.
   */
  SUSPENDED,
  /** Connected again after {@link #SUSPENDED} or {@link #LOST}. Treated as connected. */
  RECONNECTED,
  /**
   * The store could not be reached for long enough that the lease must be presumed expired (a
   * ZooKeeper session expiry, an etcd lease past its TTL, requests failing beyond the retry deadline).
   */
  LOST;

  /** Whether requests are expected to succeed in this state. */
  public boolean isConnected() {
    return this == CONNECTED || this == RECONNECTED;
  }
}
