package dev.primus.runner.config;

import dev.primus.dcs.model.DynamicConfig;
import dev.primus.ha.Timings;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code bootstrap} section: how a new cluster is created, and its first dynamic configuration.
 *
 * @param dcs           {@code bootstrap.dcs}: written to the {@code config} key by the member that
 *                      bootstraps the cluster, and used until that key exists
 * @param method        {@code initdb} (the default) or the name of a custom method section
 * @param initdb        options passed to initdb ({@code initdb})
 * @param postBootstrap script run once after the cluster is created ({@code post_bootstrap}, or its
 *                      older name {@code post_init})
 * @param methodSection the custom method's section ({@code bootstrap.<method>}: command,
 *                      keep_existing_recovery_conf, no_params, recovery_conf), empty for initdb
 */
public record BootstrapConfig(
    DynamicConfig dcs,
    String method,
    List<NamedOption> initdb,
    Optional<String> postBootstrap,
    Map<String, Object> methodSection) {

  public static final String INITDB = "initdb";

  public BootstrapConfig {
    Objects.requireNonNull(dcs, "dcs");
    Objects.requireNonNull(method, "method");
    initdb = List.copyOf(initdb);
    Objects.requireNonNull(postBootstrap, "postBootstrap");
    methodSection = ConfigTree.immutableCopy(methodSection);
  }

  /** ttl, loop_wait and retry_timeout of {@link #dcs()}; the loader has checked the timing rule. */
  public Timings timings() {
    return new Timings(dcs.ttl(), dcs.loopWait(), dcs.retryTimeout());
  }

  @Override
  public String toString() {
    return "BootstrapConfig[dcs=" + Masking.mask(dcs.values()) + ", method=" + method + ", initdb=" + initdb
        + ", postBootstrap=" + postBootstrap + ", methodSection=" + Masking.mask(methodSection) + "]";
  }
}
