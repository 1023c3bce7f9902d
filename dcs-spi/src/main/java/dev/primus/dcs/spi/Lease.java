package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * A lease granted by the store. Keys written with a lease vanish once the lease expires or is revoked.
 *
 * <p>One agent holds one lease and attaches it to both its member key and, while it leads, the
 * leader key (Patroni's etcd3 layout), so a dead agent loses both at once.
 *
 * @param id  the backend's identifier (an etcd lease id in decimal, a ZooKeeper session id in hex, a
 *            Consul session UUID); opaque to Primus, compared only for equality with
 *            {@link KeyValue#leaseId()}
 * @param ttl the time to live the store granted, which may be longer than the one asked for
 */
public record Lease(String id, Duration ttl) {
  public Lease {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ttl, "ttl");
    if (id.isEmpty()) {
      throw new IllegalArgumentException("lease id must not be empty");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease ttl must be positive, got " + ttl);
    }
  }
}
