package dev.primus.dcs.spi;

import java.util.Objects;

/** A DCS configuration key is missing or malformed. The message names the key. */
public final class DcsConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String key;

  public DcsConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = Objects.requireNonNull(key, "key");
  }

  /** The offending key, relative to the provider's section (e.g. {@code hosts[1]}). */
  public String key() {
    return key;
  }
}
