package dev.primus.dcs.spi;

import java.util.Objects;
import java.util.Optional;

/** The outcome of a conditional or plain write. A lost race is a value, not an exception. */
public sealed interface WriteResult {

  /** The write was applied; {@code version} is the key's new CAS token. */
  record Written(long version) implements WriteResult {}

  /**
   * The condition did not hold and nothing was changed.
   *
   * @param current the key as it is now, if the backend returned it and the key exists
   */
  record Conflict(Optional<KeyValue> current) implements WriteResult {
    public Conflict {
      Objects.requireNonNull(current, "current");
    }
  }

  default boolean succeeded() {
    return this instanceof Written;
  }
}
