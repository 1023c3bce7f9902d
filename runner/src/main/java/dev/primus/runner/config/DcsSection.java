package dev.primus.runner.config;

import dev.primus.dcs.spi.DcsSettings;
import dev.primus.ha.Timings;
import java.util.Map;
import java.util.Objects;

/**
 * The one DCS section of the file ({@code etcd3}, {@code zookeeper}, {@code consul}, ...), kept as parsed
 * YAML: its keys belong to the provider, which validates them when it is created.
 *
 * @param type     the section's name, which is also the provider name to select
 * @param settings the section's content (maps, lists, strings, numbers, booleans)
 */
public record DcsSection(String type, Map<String, Object> settings) {

  public DcsSection {
    Objects.requireNonNull(type, "type");
    settings = ConfigTree.immutableCopy(settings);
  }

  /**
   * What the chosen provider is created from: the timings in effect ({@link Timings#inEffect()}), so that
   * the store's own deadlines are no longer than the agent's when the configured ones break the rule.
   */
  public DcsSettings toSettings(Timings timings, ClassLoader classLoader) {
    Timings t = timings.inEffect();
    return new DcsSettings(settings, t.ttl(), t.retryTimeout(), classLoader);
  }

  @Override
  public String toString() {
    return "DcsSection[type=" + type + ", settings=" + Masking.mask(settings) + "]";
  }
}
