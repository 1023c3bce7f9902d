package dev.primus.bench.failover;

/**
 * The three settings that bound a failover, as written to {@code bootstrap.dcs}.
 *
 * @param ttl          leader lease TTL, seconds
 * @param loopWait     seconds between HA cycles
 * @param retryTimeout seconds one DCS or database request may take with its retries
 */
record Timing(int ttl, int loopWait, int retryTimeout) {
  /** Patroni's defaults, which Primus keeps. */
  static final Timing PATRONI_DEFAULT = new Timing(30, 10, 10);
  /**
   * Patroni's documented minimums (ttl 20, loop_wait 1, retry_timeout 3, {@code dynamic_configuration.rst}).
   * 3.0.2 does not enforce them; later releases clamp to them, so going lower would not be Patroni as run.
   */
  static final Timing PATRONI_SMALLEST = new Timing(20, 1, 3);
  /**
   * The smallest Primus accepts: its loader takes whole seconds of at least 1 for each
   * ({@code ConfigBinder.dynamic}, {@code DynamicConfig}), and {@code Timings} wants
   * {@code loop_wait + 2 * retry_timeout <= ttl}, so 1 + 2 * 1 = 3. etcd grants it (its smallest lease
   * is 2 s with the default 100 ms heartbeat).
   */
  static final Timing PRIMUS_SMALLEST = new Timing(3, 1, 1);

  Timing {
    if (ttl < 1 || loopWait < 1 || retryTimeout < 1 || loopWait + 2 * retryTimeout > ttl) {
      throw new IllegalArgumentException("not a valid timing: " + this);
    }
  }

  @Override
  public String toString() {
    return "ttl " + ttl + ", loop_wait " + loopWait + ", retry_timeout " + retryTimeout;
  }
}
