package dev.primus.dcs.model;

import java.util.Objects;

/**
 * A decoded value with the CAS version of the key it came from, so a later write can be conditional
 * on nobody having changed it since.
 */
public record Versioned<T>(T value, long version) {
  public Versioned {
    Objects.requireNonNull(value, "value");
  }
}
