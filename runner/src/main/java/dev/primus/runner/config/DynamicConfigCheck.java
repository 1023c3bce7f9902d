package dev.primus.runner.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The type checks {@code bootstrap.dcs} gets, for a change of the DCS config that arrives another way
 * ({@code PATCH /config}, {@code PUT /config}, {@code ctl edit-config}): a value no member can read
 * (a string for {@code maximum_lag_on_failover}, a list for {@code postgresql}) is refused naming its
 * key, instead of being stored and then silently replaced by the default in every member. Keys Primus
 * does not read are left alone, as Patroni leaves them.
 */
public final class DynamicConfigCheck {
  private DynamicConfigCheck() {}

  /**
   * The first problem in {@code change} (the keys a request sets; {@code null} values delete), as
   * {@code "<key>: <why>"}; empty when every key Primus reads has a usable value. Timings that merely break
   * {@code loop_wait + 2*retry_timeout <= ttl} are accepted (see {@code Timings.inEffect}).
   */
  public static Optional<String> firstProblem(Map<String, Object> change) {
    Map<String, Object> present = new java.util.LinkedHashMap<>();
    change.forEach((k, v) -> {
      if (v != null) {
        present.put(k, v);
      }
    });
    Problems problems = new Problems();
    new ConfigBinder(problems, Map.of()).checkDynamic(present);
    List<ConfigError> errors = problems.errors().stream()
        .filter(e -> e.kind() != ConfigError.Kind.UNKNOWN_KEY && e.kind() != ConfigError.Kind.INCONSISTENT)
        .toList();
    return errors.stream().findFirst().map(ConfigError::toString);
  }
}
