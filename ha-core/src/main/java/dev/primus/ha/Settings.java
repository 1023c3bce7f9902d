package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.Versioned;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The cluster-wide settings one cycle runs with: the DCS {@code config} key if it exists, else
 * {@code bootstrap.dcs}, and the timings from it.
 *
 * <p>A DCS config whose timings break {@code loop_wait + 2*retry_timeout <= ttl} is not allowed to make
 * {@code decide} throw (someone else wrote it; the agent must keep running and keep the cluster safe):
 * the timings of {@code bootstrap.dcs} are used instead, or Patroni's defaults if those are broken too,
 * and {@link #timingsProblem()} says why.
 *
 * @param dynamic        the effective dynamic config (everything but the timings comes from it)
 * @param timings        the timings in force
 * @param timingsProblem why the DCS config's timings were not used, if they were not
 */
record Settings(DynamicConfig dynamic, Timings timings, Optional<String> timingsProblem) {

  /** Patroni's defaults: ttl 30, loop_wait 10, retry_timeout 10. */
  static final Timings DEFAULT_TIMINGS =
      new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));

  Settings {
    Objects.requireNonNull(dynamic, "dynamic");
    Objects.requireNonNull(timings, "timings");
    Objects.requireNonNull(timingsProblem, "timingsProblem");
  }

  static Settings of(ClusterView cluster, HaConfig config) {
    DynamicConfig dynamic = cluster.config().map(Versioned::value).orElse(config.bootstrapDcs());
    try {
      return new Settings(dynamic, timingsOf(dynamic), Optional.empty());
    } catch (IllegalArgumentException invalid) {
      Timings fallback;
      try {
        fallback = timingsOf(config.bootstrapDcs());
      } catch (IllegalArgumentException alsoInvalid) {
        fallback = DEFAULT_TIMINGS;
      }
      return new Settings(dynamic, fallback, Optional.of(invalid.getMessage()));
    }
  }

  private static Timings timingsOf(DynamicConfig c) {
    return new Timings(c.ttl(), c.loopWait(), c.retryTimeout());
  }
}
