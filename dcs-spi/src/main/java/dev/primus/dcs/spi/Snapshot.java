package dev.primus.dcs.spi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Every key under a prefix, read at one point in time.
 *
 * @param prefix     the prefix that was read
 * @param entries    the keys under it in ascending key order
 * @param revision   a store-wide token that grows with every change, to hand to
 *                   {@link Watchable#awaitChange}; {@code 0} when the backend has none
 * @param connection the store's connection state when the read completed
 */
public record Snapshot(String prefix, List<KeyValue> entries, long revision, ConnectionState connection) {
  public Snapshot {
    Objects.requireNonNull(prefix, "prefix");
    entries = List.copyOf(entries);
    Objects.requireNonNull(connection, "connection");
  }

  /** The entry with exactly this key, if present. */
  public Optional<KeyValue> get(String key) {
    for (KeyValue kv : entries) {
      if (kv.key().equals(key)) {
        return Optional.of(kv);
      }
    }
    return Optional.empty();
  }
}
