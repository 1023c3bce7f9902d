package dev.primus.dcs.model;

import java.util.Objects;

/**
 * A key whose value could not be decoded. It is kept, not dropped, so that nothing overwrites it
 * blindly: writers still need {@link #version()} for CAS, and operators see {@link #reason()}.
 *
 * @param key     the full key
 * @param raw     the value as stored
 * @param reason  what is wrong with it, naming the field where possible
 * @param version the key's CAS version
 */
public record InvalidValue(String key, String raw, String reason, long version) {
  public InvalidValue {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(reason, "reason");
  }
}
