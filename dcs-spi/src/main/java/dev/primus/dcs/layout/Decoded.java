package dev.primus.dcs.layout;

import dev.primus.dcs.model.InvalidValue;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of decoding one DCS value: the typed value, or an {@link InvalidValue} saying why the
 * stored text is not one. Decoding never throws.
 *
 * @param <T> the model type of the key
 */
public sealed interface Decoded<T> {

  /** The value decoded. */
  record Valid<T>(T value) implements Decoded<T> {
    public Valid {
      Objects.requireNonNull(value, "value");
    }
  }

  /** The value could not be decoded; {@code problem} has the key, raw text, reason and version. */
  record Invalid<T>(InvalidValue problem) implements Decoded<T> {
    public Invalid {
      Objects.requireNonNull(problem, "problem");
    }
  }

  /** The value if it decoded, else empty. */
  default Optional<T> toOptional() {
    return this instanceof Valid<T> v ? Optional.of(v.value()) : Optional.empty();
  }

  /** The problem if it did not decode, else empty. */
  default Optional<InvalidValue> invalid() {
    return this instanceof Invalid<T> i ? Optional.of(i.problem()) : Optional.empty();
  }

  /** Whether the value decoded. */
  default boolean isValid() {
    return this instanceof Valid<T>;
  }
}
