package dev.primus.ha;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The database parameters a member runs with by configuration: the DCS config's {@code postgresql.parameters}
 * laid over the local ones.
 *
 * @param dynamic the DCS config's {@code postgresql.parameters}
 * @param local   the local file's {@code postgresql.parameters}, when the agent knows them (the runner passes
 *                them, so a reload can change them); empty: the driver keeps those it was built with
 */
public record ParameterSet(Map<String, Object> dynamic, Optional<Map<String, Object>> local) {
  public ParameterSet {
    dynamic = Collections.unmodifiableMap(new LinkedHashMap<>(dynamic));
    local = Objects.requireNonNull(local, "local").map(l -> Collections.unmodifiableMap(new LinkedHashMap<>(l)));
  }

  /** The set with the local parameters under the dynamic ones, as far as the agent knows them. */
  public Map<String, Object> merged() {
    Map<String, Object> m = new LinkedHashMap<>(local.orElse(Map.of()));
    m.putAll(dynamic);
    return m;
  }
}
