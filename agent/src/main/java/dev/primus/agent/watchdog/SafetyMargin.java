package dev.primus.agent.watchdog;

/**
 * How much earlier than the leader lock the watchdog fires: Patroni's {@code watchdog.safety_margin}, in
 * seconds, {@code -1} meaning "half the ttl". The timeout the device gets is {@code ttl - safety_margin}, or
 * {@code ttl / 2} (rounded down); with the default 5 s and a ttl of 30 s, a frozen agent's node is reset
 * 25 s after its last keepalive, 5 s before another member may take the lock.
 */
public sealed interface SafetyMargin {

  /** Patroni's default: 5 s. */
  SafetyMargin DEFAULT = new Fixed(5);

  /** A fixed margin of {@code seconds} (0 or more). */
  record Fixed(int seconds) implements SafetyMargin {
    public Fixed {
      if (seconds < 0) {
        throw new IllegalArgumentException("a safety margin is 0 s or more, or -1 for half the ttl; got " + seconds);
      }
    }

    @Override
    public int timeoutSeconds(long ttlSeconds) {
      return Math.toIntExact(ttlSeconds - seconds);
    }
  }

  /** {@code safety_margin: -1}: the watchdog fires half-way through the ttl. */
  record HalfTtl() implements SafetyMargin {
    @Override
    public int timeoutSeconds(long ttlSeconds) {
      return Math.toIntExact(ttlSeconds / 2);
    }
  }

  /** The margin a {@code safety_margin} value of {@code patroniValue} means ({@code -1}: half the ttl). */
  static SafetyMargin of(int patroniValue) {
    return patroniValue == -1 ? new HalfTtl() : new Fixed(patroniValue);
  }

  /** The watchdog timeout, in seconds, for a ttl of {@code ttlSeconds}; zero or less when the margin eats it all. */
  int timeoutSeconds(long ttlSeconds);
}
