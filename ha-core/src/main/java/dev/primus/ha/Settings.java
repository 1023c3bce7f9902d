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
 * <p>Timings that break {@code loop_wait + 2*retry_timeout <= ttl} are applied as Patroni applies them
 * (someone may have written them with {@code patronictl edit-config}); the agent then runs by
 * {@link Timings#inEffect()}, and {@link #timingsWarning()} says so.
 *
 * @param dynamic    the effective dynamic config
 * @param configured the timings it sets
 */
record Settings(DynamicConfig dynamic, Timings configured) {

  Settings {
    Objects.requireNonNull(dynamic, "dynamic");
    Objects.requireNonNull(configured, "configured");
  }

  static Settings of(ClusterView cluster, HaConfig config) {
    DynamicConfig dynamic = cluster.config().map(Versioned::value).orElse(config.bootstrapDcs());
    DynamicConfig boot = config.bootstrapDcs();
    // A value that is not positive cannot be applied by anyone (decide must not throw on what someone else
    // wrote): bootstrap.dcs's value stands in, else Patroni's default.
    return new Settings(dynamic, new Timings(
        positive(dynamic.ttl(), boot.ttl(), Duration.ofSeconds(30)),
        positive(dynamic.loopWait(), boot.loopWait(), Duration.ofSeconds(10)),
        positive(dynamic.retryTimeout(), boot.retryTimeout(), Duration.ofSeconds(10))));
  }

  private static Duration positive(Duration value, Duration fallback, Duration patroniDefault) {
    if (value.compareTo(Duration.ZERO) > 0) {
      return value;
    }
    return fallback.compareTo(Duration.ZERO) > 0 ? fallback : patroniDefault;
  }

  /** The timings in force: the configured ones, bounded when they break the rule. */
  Timings timings() {
    return configured.inEffect();
  }

  /** Why the timings in force differ from the configured ones, if they do. */
  Optional<String> timingsWarning() {
    return configured.boundedWarning();
  }
}
