package dev.primus.runner.rest;

import java.util.Objects;
import java.util.Optional;

/**
 * Who answers: reported in {@code patroni: {version, scope, name}} and as the metric labels.
 *
 * @param scope         the cluster name
 * @param name          this member's name
 * @param version       the agent version reported to clients (Patroni's {@code version} field): the Patroni
 *                      release Primus is compatible with ({@link dev.primus.runner.PrimusVersion#PATRONI_COMPATIBLE})
 * @param primusVersion Primus's own version, reported as {@code primus_version} beside it, if known
 */
public record NodeIdentity(String scope, String name, String version, Optional<String> primusVersion) {
  public NodeIdentity {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(primusVersion, "primusVersion");
  }

  /** Without Primus's own version. */
  public NodeIdentity(String scope, String name, String version) {
    this(scope, name, version, Optional.empty());
  }
}
