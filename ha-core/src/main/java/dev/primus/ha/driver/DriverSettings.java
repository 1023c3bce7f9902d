package dev.primus.ha.driver;

import java.util.Map;
import java.util.Objects;

/**
 * What a driver is built from.
 *
 * @param memberName   this member's name (the replicas' {@code application_name})
 * @param section      the {@code postgresql:} section of the configuration as parsed YAML
 * @param bootstrap    the {@code bootstrap:} section (initdb options, pg_hba, method, post_bootstrap)
 * @param dynamic      {@code postgresql} from the dynamic config ({@code parameters}, {@code use_pg_rewind},
 *                     {@code use_slots}), merged by the runner: DCS over local
 * @param classLoader  to resolve further classes with
 */
public record DriverSettings(
    String memberName,
    Map<String, Object> section,
    Map<String, Object> bootstrap,
    Map<String, Object> dynamic,
    ClassLoader classLoader) {

  public DriverSettings {
    Objects.requireNonNull(memberName, "memberName");
    section = Map.copyOf(section);
    bootstrap = Map.copyOf(bootstrap);
    dynamic = Map.copyOf(dynamic);
    Objects.requireNonNull(classLoader, "classLoader");
  }
}
