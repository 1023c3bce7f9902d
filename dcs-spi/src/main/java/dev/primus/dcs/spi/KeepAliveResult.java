package dev.primus.dcs.spi;

import java.util.Objects;

/** The outcome of {@link KeyValueStore#keepAlive(Lease)}. */
public sealed interface KeepAliveResult {

  /** The lease is alive and its TTL restarts from now. */
  record Alive(Lease lease) implements KeepAliveResult {
    public Alive {
      Objects.requireNonNull(lease, "lease");
    }
  }

  /**
   * The lease is gone (it expired or was revoked); every key it owned is deleted. Grant a new one.
   */
  record Expired() implements KeepAliveResult {}
}
