package dev.primus.runner.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Patroni's environment overrides ({@code PATRONI_SCOPE}, {@code PATRONI_RESTAPI_LISTEN},
 * {@code PATRONI_ETCD3_HOSTS}, ...), applied over the file, then the same names with {@code PRIMUS_},
 * which win over both. The environment comes in as a map so tests need not touch the process's.
 */
final class EnvironmentOverrides {
  static final List<String> PREFIXES = List.of("PATRONI_", "PRIMUS_");

  private static final Set<String> LOG_KEYS = Set.of("LEVEL", "TRACEBACK_LEVEL", "FORMAT", "DATEFORMAT",
      "MAX_QUEUE_SIZE", "DIR", "FILE_SIZE", "FILE_NUM", "LOGGERS", "MODE", "TYPE", "STATIC_FIELDS",
      "DEDUPLICATE_HEARTBEAT_LOGS");
  private static final Set<String> RESTAPI_KEYS = Set.of("LISTEN", "CONNECT_ADDRESS", "CERTFILE", "KEYFILE",
      "KEYFILE_PASSWORD", "CAFILE", "CRLFILE", "CIPHERS", "VERIFY_CLIENT", "HTTP_EXTRA_HEADERS",
      "HTTPS_EXTRA_HEADERS", "ALLOWLIST", "ALLOWLIST_INCLUDE_MEMBERS", "REQUEST_QUEUE_SIZE", "SERVER_TOKENS");
  private static final Set<String> CTL_KEYS = Set.of("INSECURE", "CACERT", "CERTFILE", "KEYFILE", "KEYFILE_PASSWORD");
  private static final Set<String> POSTGRESQL_KEYS = Set.of("LISTEN", "CONNECT_ADDRESS", "PROXY_ADDRESS",
      "CONFIG_DIR", "DATA_DIR", "PGPASS", "BIN_DIR", "OS_USER");
  private static final List<String> PG_USERS = List.of("SUPERUSER", "REPLICATION", "REWIND");
  private static final Set<String> PG_USER_KEYS = Set.of("USERNAME", "PASSWORD", "SSLMODE", "SSLKEY", "SSLPASSWORD",
      "SSLCERT", "SSLROOTCERT", "SSLCRL", "SSLCRLDIR", "GSSENCMODE", "CHANNEL_BINDING", "SSLNEGOTIATION");
  private static final Set<String> CITUS_KEYS = Set.of("GROUP", "DATABASE");
  /** DCS parameters whose value is a list ("'h1:2379','h2:2379'" or "h1:2379,h2:2379"). */
  private static final Set<String> DCS_LIST_KEYS = Set.of("hosts", "partner_addrs", "checks", "service_tags",
      "retriable_http_codes");
  /** DCS parameters whose value is YAML (a mapping or a list of mappings). */
  private static final Set<String> DCS_YAML_KEYS = Set.of("labels", "set_acls", "ports", "auth_data");
  /** Sections whose unknown variables are reported: a typo there would otherwise go unnoticed. */
  private static final List<String> CHECKED_PREFIXES = List.of("LOG_", "RESTAPI_", "CTL_", "POSTGRESQL_",
      "SUPERUSER_", "REPLICATION_", "REWIND_", "CITUS_");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private EnvironmentOverrides() {}

  /** Applies every override to {@code tree} (a mutable copy of the file), PATRONI_ first, PRIMUS_ last. */
  static void apply(Map<String, Object> tree, Map<String, String> env, Problems problems) {
    for (String prefix : PREFIXES) {
      // sorted, so the result never depends on the map's iteration order
      for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
        String var = e.getKey();
        String value = e.getValue();
        if (!var.startsWith(prefix) || value == null || value.isEmpty()) {
          continue;
        }
        String rest = var.substring(prefix.length());
        if (rest.equals("CONFIGURATION")) {
          continue;
        }
        Target t = target(rest);
        if (t == null) {
          for (String p : CHECKED_PREFIXES) {
            if (rest.startsWith(p)) {
              problems.warn(var, "does not name a setting Primus knows; ignored");
              break;
            }
          }
          continue;
        }
        Object converted = convert(var, value, t.kind, problems);
        if (converted != null) {
          put(tree, t.path, converted);
        }
      }
    }
  }

  private enum Kind { STRING, LIST, YAML }

  private record Target(List<String> path, Kind kind) {}

  private static Target target(String rest) {
    switch (rest) {
      case "SCOPE": return new Target(List.of("scope"), Kind.STRING);
      case "NAME": return new Target(List.of("name"), Kind.STRING);
      case "NAMESPACE": return new Target(List.of("namespace"), Kind.STRING);
      default: break;
    }
    String k;
    if ((k = after(rest, "LOG_")) != null && LOG_KEYS.contains(k)) {
      boolean yaml = k.equals("LOGGERS") || k.equals("STATIC_FIELDS");
      return new Target(List.of("log", lower(k)), yaml ? Kind.YAML : Kind.STRING);
    }
    if ((k = after(rest, "RESTAPI_")) != null) {
      if (k.equals("USERNAME") || k.equals("PASSWORD")) {
        return new Target(List.of("restapi", "authentication", lower(k)), Kind.STRING);
      }
      if (RESTAPI_KEYS.contains(k)) {
        Kind kind = k.equals("ALLOWLIST") ? Kind.LIST : k.endsWith("EXTRA_HEADERS") ? Kind.YAML : Kind.STRING;
        return new Target(List.of("restapi", lower(k)), kind);
      }
      return null;
    }
    if ((k = after(rest, "CTL_")) != null) {
      if (k.equals("USERNAME") || k.equals("PASSWORD")) {
        return new Target(List.of("ctl", "authentication", lower(k)), Kind.STRING);
      }
      return CTL_KEYS.contains(k) ? new Target(List.of("ctl", lower(k)), Kind.STRING) : null;
    }
    if ((k = after(rest, "POSTGRESQL_")) != null) {
      if (POSTGRESQL_KEYS.contains(k)) {
        return new Target(List.of("postgresql", lower(k)), Kind.STRING);
      }
      String bin = after(k, "BIN_");
      return bin != null && !bin.isEmpty() ? new Target(List.of("postgresql", "bin_name", lower(bin)), Kind.STRING) : null;
    }
    for (String user : PG_USERS) {
      if ((k = after(rest, user + "_")) != null) {
        return PG_USER_KEYS.contains(k)
            ? new Target(List.of("postgresql", "authentication", lower(user), lower(k)), Kind.STRING)
            : null;
      }
    }
    if ((k = after(rest, "CITUS_")) != null) {
      return CITUS_KEYS.contains(k) ? new Target(List.of("citus", lower(k)), Kind.STRING) : null;
    }
    // ETCD3 is listed before ETCD so PATRONI_ETCD3_HOSTS is not read as etcd's "3_hosts"
    for (String dcs : Schema.DCS_TYPES.stream().sorted((a, b) -> b.length() - a.length()).toList()) {
      if ((k = after(rest, dcs.toUpperCase(Locale.ROOT) + "_")) != null && !k.isEmpty()) {
        String param = lower(k);
        Kind kind = DCS_LIST_KEYS.contains(param) ? Kind.LIST : DCS_YAML_KEYS.contains(param) ? Kind.YAML : Kind.STRING;
        return new Target(List.of(dcs, param), kind);
      }
    }
    return null;
  }

  private static String after(String s, String prefix) {
    return s.startsWith(prefix) ? s.substring(prefix.length()) : null;
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static Object convert(String var, String value, Kind kind, Problems problems) {
    switch (kind) {
      case STRING:
        return value;
      case LIST:
        return parseList(value);
      case YAML:
      default:
        try {
          return YAML.readValue(value, Object.class);
        } catch (java.io.IOException e) {
          problems.warn(var, "is not valid YAML (expected e.g. {key: value}); ignored");
          return null;
        }
    }
  }

  /**
   * A list as Patroni accepts it in the environment: YAML flow items ({@code 'h1:2379','h2:2379'} or
   * {@code [a, b]}), or plain comma-separated text.
   */
  static List<String> parseList(String value) {
    String v = value.trim();
    try {
      Object parsed = YAML.readValue(v.startsWith("[") ? v : "[" + v + "]", Object.class);
      if (parsed instanceof List<?> l && l.stream().allMatch(o -> o instanceof String || o instanceof Number)) {
        List<String> out = new ArrayList<>();
        for (Object o : l) {
          out.add(String.valueOf(o).trim());
        }
        return out;
      }
    } catch (java.io.IOException e) {
      // not YAML: fall back to plain comma separation below
    }
    List<String> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String p = part.trim();
      if (p.length() >= 2 && (p.startsWith("'") && p.endsWith("'") || p.startsWith("\"") && p.endsWith("\""))) {
        p = p.substring(1, p.length() - 1);
      }
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void put(Map<String, Object> tree, List<String> path, Object value) {
    Map<String, Object> cur = tree;
    for (int i = 0; i < path.size() - 1; i++) {
      Object next = cur.get(path.get(i));
      if (next == null) {
        Map<String, Object> created = new LinkedHashMap<>();
        cur.put(path.get(i), created);
        cur = created;
      } else if (next instanceof Map<?, ?>) {
        cur = (Map<String, Object>) next;
      } else {
        // the file has a non-mapping here; the section reader reports that, the override has nowhere to go
        return;
      }
    }
    cur.put(path.get(path.size() - 1), value);
  }
}
