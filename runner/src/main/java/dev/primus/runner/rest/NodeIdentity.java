package dev.primus.runner.rest;

import java.util.Objects;

/**
 * Who answers: reported in {@code patroni: {version, scope, name}} and as the metric labels.
 *
 * @param scope   the cluster name
 * @param name    this member's name
 * @param version the agent version reported to clients (Patroni's {@code version} field)
 */
public record NodeIdentity(String scope, String name, String version) {
  public NodeIdentity {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
  }
}
