package dev.primus.runner.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import dev.primus.runner.config.Secret;
import dev.primus.ha.Timings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code primus ctl} needs from its configuration file: the cluster ({@code scope},
 * {@code namespace}), the DCS section, and how to talk to the REST API ({@code ctl}, each key falling back
 * to {@code restapi}'s as in Patroni: credentials, CA bundle, client certificate, key and passphrase).
 *
 * <p>A member's full {@code patroni.yml} is read with the agent's loader (environment overrides
 * included). A file made for the ctl alone, as patronictl allows (just the DCS section and perhaps a
 * scope), fails that loader's required keys, so it is then read leniently: only the keys above, with the
 * environment's overrides ({@code PATRONI_CTL_INSECURE}, ...) too.
 *
 * @param scope     the default cluster name, if the file has one
 * @param namespace the DCS path prefix ({@code /service/} by default)
 * @param dcsType   the DCS section's name, which is the provider to use
 * @param dcs       that section
 * @param ctl       REST client settings with the fallbacks applied
 * @param timings   {@code bootstrap.dcs} timings, or Patroni's defaults, for the store's deadlines
 */
record CtlSettings(Optional<String> scope, String namespace, String dcsType, Map<String, Object> dcs, CtlConfig ctl,
    Timings timings) {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Timings DEFAULT_TIMINGS = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));

  CtlSettings {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(dcsType, "dcsType");
    dcs = Map.copyOf(dcs);
    Objects.requireNonNull(ctl, "ctl");
    Objects.requireNonNull(timings, "timings");
  }

  /** Reads {@code file}; {@code dcsNames} are the DCS sections to recognise (provider names). */
  static CtlSettings read(Path file, Map<String, String> env, Set<String> dcsNames) throws IOException {
    ConfigLoadResult strict = PatroniConfigLoader.load(file, env);
    if (strict instanceof ConfigLoadResult.Loaded loaded) {
      return of(loaded.config());
    }
    Object parsed = YAML.readValue(Files.readString(file), Object.class);
    if (!(parsed instanceof Map<?, ?> root)) {
      throw new IllegalArgumentException(file + " is not a YAML mapping");
    }
    Map<String, Object> r = PatroniConfigLoader.withEnvironment(root, env);
    String dcsType = null;
    for (String k : r.keySet()) {
      if (dcsNames.contains(k)) {
        if (dcsType != null) {
          throw new IllegalArgumentException(file + " has two DCS sections: " + dcsType + " and " + k);
        }
        dcsType = k;
      }
    }
    if (dcsType == null) {
      throw new IllegalArgumentException(file + " has no DCS section (one of " + String.join(", ", dcsNames) + ")\n"
          + ((ConfigLoadResult.Invalid) strict).describe());
    }
    Map<String, Object> dcs = r.get(dcsType) instanceof Map<?, ?> m ? stringKeys(m) : Map.of();
    Optional<String> scope = Optional.ofNullable(r.get("scope")).map(String::valueOf);
    String namespace = Optional.ofNullable(r.get("namespace")).map(String::valueOf).orElse(PatroniConfig.DEFAULT_NAMESPACE);
    Map<String, Object> ctl = section(r, "ctl");
    Map<String, Object> restapi = section(r, "restapi");
    Optional<BasicAuth> auth = auth(section(ctl, "authentication")).or(() -> auth(section(restapi, "authentication")));
    Optional<Path> cacert = path(ctl.get("cacert")).or(() -> path(restapi.get("cafile")));
    CtlConfig cc = new CtlConfig(auth, truthy(ctl.get("insecure")), cacert,
        path(ctl.get("certfile")).or(() -> path(restapi.get("certfile"))),
        path(ctl.get("keyfile")).or(() -> path(restapi.get("keyfile"))),
        secret(ctl.get("keyfile_password")).or(() -> secret(restapi.get("keyfile_password"))));
    return new CtlSettings(scope, namespace, dcsType, dcs, cc, timings(section(section(r, "bootstrap"), "dcs")));
  }

  /** The settings of a full, validated configuration. */
  static CtlSettings of(PatroniConfig c) {
    CtlConfig ctl = c.ctl();
    CtlConfig merged = new CtlConfig(ctl.authentication().or(() -> c.restapi().authentication()), ctl.insecure(),
        ctl.cacert().or(() -> c.restapi().cafile()), ctl.certfile().or(() -> c.restapi().certfile()),
        ctl.keyfile().or(() -> c.restapi().keyfile()), ctl.keyfilePassword().or(() -> c.restapi().keyfilePassword()));
    return new CtlSettings(Optional.of(c.scope()), c.namespace(), c.dcs().type(), c.dcs().settings(), merged,
        c.bootstrap().timings());
  }

  /** These settings with the server's certificate left unchecked ({@code primus ctl -k}, patronictl's flag). */
  CtlSettings insecure() {
    CtlConfig c = ctl;
    return new CtlSettings(scope, namespace, dcsType, dcs,
        new CtlConfig(c.authentication(), true, c.cacert(), c.certfile(), c.keyfile(), c.keyfilePassword()), timings);
  }

  /** Patroni's booleans: YAML's, and on/off, yes/no, true/false, 1/0 as text; anything else is false. */
  private static boolean truthy(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return v != null && List.of("on", "true", "yes", "1").contains(String.valueOf(v).trim().toLowerCase(java.util.Locale.ROOT));
  }

  private static Optional<Secret> secret(Object v) {
    return Optional.ofNullable(v).map(String::valueOf).map(Secret::of);
  }

  private static Timings timings(Map<String, Object> dcs) {
    try {
      long ttl = number(dcs.get("ttl"), 30);
      long loopWait = number(dcs.get("loop_wait"), 10);
      long retry = number(dcs.get("retry_timeout"), 10);
      return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retry));
    } catch (IllegalArgumentException e) {
      return DEFAULT_TIMINGS;
    }
  }

  private static long number(Object v, long dflt) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return dflt;
      }
    }
    return dflt;
  }

  private static Optional<BasicAuth> auth(Map<String, Object> m) {
    Object user = m.get("username");
    Object password = m.get("password");
    if (user == null || password == null) {
      return Optional.empty();
    }
    return Optional.of(new BasicAuth(String.valueOf(user), Secret.of(String.valueOf(password))));
  }

  private static Optional<Path> path(Object v) {
    return v == null ? Optional.empty() : Optional.of(Path.of(String.valueOf(v)));
  }

  private static Map<String, Object> section(Map<String, Object> parent, String key) {
    return parent.get(key) instanceof Map<?, ?> m ? stringKeys(m) : Map.of();
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> {
      if (v != null) {
        out.put(String.valueOf(k), v);
      }
    });
    return out;
  }

  /** Known DCS section names, for the lenient read when no provider can be listed. */
  static final List<String> PATRONI_DCS = List.of("etcd3", "etcd", "zookeeper", "consul", "kubernetes", "raft",
      "exhibitor");
}
