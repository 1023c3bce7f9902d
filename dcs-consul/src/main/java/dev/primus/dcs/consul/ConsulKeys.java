package dev.primus.dcs.consul;

import dev.primus.dcs.spi.DcsException;

/**
 * Maps SPI keys to Consul keys and back. SPI keys are absolute paths ({@code /service/pg/leader});
 * Consul keys have no leading slash ({@code service/pg/leader}), the form Patroni writes, so the
 * mapping drops exactly one leading {@code /} on the way in and adds it back on the way out.
 */
final class ConsulKeys {
  private ConsulKeys() {}

  /**
   * The Consul key for an SPI key or prefix.
   *
   * @throws DcsException {@code INVALID_REQUEST} if {@code key} does not start with exactly one
   *     {@code /}: a second one would make a Consul key that starts with {@code /}, which Consul's HTTP
   *     router cannot address ({@code /v1/kv//x} is redirected, not served)
   */
  static String toConsul(String key) throws DcsException {
    if (key == null || !key.startsWith("/")) {
      throw new DcsException(DcsException.Kind.INVALID_REQUEST, "key must start with '/': " + key);
    }
    if (key.startsWith("//")) {
      throw new DcsException(DcsException.Kind.INVALID_REQUEST, "key must not start with '//': " + key);
    }
    return key.substring(1);
  }

  /** The SPI key for a key Consul returned. */
  static String fromConsul(String consulKey) {
    return "/" + consulKey;
  }
}
