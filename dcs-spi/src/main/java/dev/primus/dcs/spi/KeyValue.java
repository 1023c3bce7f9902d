package dev.primus.dcs.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * One key as the store holds it.
 *
 * @param key     the full key, starting with {@code /}
 * @param value   the value, decoded from UTF-8; byte for byte what was written
 * @param version the CAS token for {@link KeyValueStore#compareAndSet}: it changes on every write of
 *                this key and is never reused for it (etcd mod_revision, znode version, ModifyIndex)
 * @param leaseId the lease the key is attached to, if any (see {@link Lease#id()})
 */
public record KeyValue(String key, String value, long version, Optional<String> leaseId) {
  public KeyValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(leaseId, "leaseId");
  }

  /** Whether this key is attached to {@code lease}. */
  public boolean ownedBy(Lease lease) {
    return leaseId.isPresent() && leaseId.get().equals(lease.id());
  }
}
