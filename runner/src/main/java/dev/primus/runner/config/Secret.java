package dev.primus.runner.config;

import java.util.Objects;

/**
 * A password, token or key passphrase. Its {@link #toString()} is a mask, so records holding one can be
 * logged safely; only {@link #reveal()} gives the value, and only code that sends it somewhere should
 * call it.
 */
public final class Secret {
  /** What every secret prints as. */
  public static final String MASK = "******";

  private final String value;

  private Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  public static Secret of(String value) {
    return new Secret(value);
  }

  /** The secret itself. */
  public String reveal() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return MASK;
  }
}
