package dev.primus.runner.config;

import dev.primus.runner.config.ConfigError.Kind;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One mapping of the configuration being read, with its full path. Every typed getter records a
 * problem instead of throwing, so that one pass finds every error; a getter whose value is wrong
 * returns empty and the caller falls back to the default.
 */
final class Section {
  private static final Pattern NUMBER_WITH_UNIT = Pattern.compile("\\s*(-?\\d+)\\s*([a-zA-Z]*)\\s*");

  private final String path;
  private final Map<String, Object> values;
  private final Problems problems;
  private final boolean present;
  /** The section had the wrong type: its absent keys are not reported again as missing. */
  private final boolean broken;

  private Section(String path, Map<String, Object> values, Problems problems, boolean present, boolean broken) {
    this.path = path;
    this.values = values;
    this.problems = problems;
    this.present = present;
    this.broken = broken;
  }

  static Section root(Map<String, Object> values, Problems problems) {
    return new Section("", values, problems, true, false);
  }

  String path() {
    return path;
  }

  /** Whether the mapping exists in the file (an absent section reads as empty). */
  boolean present() {
    return present;
  }

  Problems problems() {
    return problems;
  }

  Map<String, Object> values() {
    return values;
  }

  String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  boolean has(String key) {
    return values.get(key) != null;
  }

  Optional<Object> raw(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /** The mapping under {@code key}; an empty, absent section when missing or of the wrong type. */
  Section section(String key) {
    Object v = values.get(key);
    if (v == null) {
      return new Section(pathOf(key), Map.of(), problems, false, broken);
    }
    if (v instanceof Map<?, ?> m) {
      return new Section(pathOf(key), stringKeys(m), problems, true, false);
    }
    problems.wrongType(pathOf(key), "a mapping", v);
    return new Section(pathOf(key), Map.of(), problems, false, true);
  }

  /** Reports unknown keys (with a suggestion) and warns about unimplemented ones. */
  void checkKeys(Schema schema) {
    checkKeys(schema, Set.of());
  }

  void checkKeys(Schema schema, Collection<String> alsoAllowed) {
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String key = e.getKey();
      if (schema.supported().contains(key) || alsoAllowed.contains(key)) {
        continue;
      }
      String refused = schema.unsupported().get(key);
      if (refused != null) {
        problems.error(Kind.UNSUPPORTED, pathOf(key), refused);
        continue;
      }
      String why = schema.unimplemented().get(key);
      if (why != null) {
        problems.warn(pathOf(key), why);
        continue;
      }
      Collection<String> known = new ArrayList<>(schema.all());
      known.addAll(alsoAllowed);
      String hint = Suggestions.nearest(key, known)
          .map(s -> "; did you mean " + s + "?")
          .orElse("; known keys: " + String.join(", ", new java.util.TreeSet<>(known)));
      problems.error(Kind.UNKNOWN_KEY, pathOf(key), "unknown key" + hint);
    }
  }

  // ---- scalars ------------------------------------------------------------------------------

  Optional<String> string(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(s);
    }
    if (v instanceof Number || v instanceof Boolean) {
      // YAML reads "port: 5432"-like values as numbers; a string field takes them as written
      return Optional.of(String.valueOf(v));
    }
    problems.wrongType(pathOf(key), "a string", v);
    return Optional.empty();
  }

  /** A non-empty string that must be present. */
  Optional<String> requiredString(String key) {
    if (!has(key)) {
      missing(key);
      return Optional.empty();
    }
    Optional<String> s = string(key);
    if (s.isPresent() && s.get().isBlank()) {
      problems.error(Kind.INVALID_VALUE, pathOf(key), "must not be empty");
      return Optional.empty();
    }
    return s;
  }

  void missing(String key) {
    if (!broken) {
      problems.error(Kind.MISSING, pathOf(key), "required key is missing");
    }
  }

  /** A string, or empty when absent or blank (Patroni treats "" as unset for paths). */
  Optional<String> nonBlankString(String key) {
    return string(key).filter(s -> !s.isBlank());
  }

  Optional<Secret> secret(String key) {
    return string(key).map(Secret::of);
  }

  Optional<Boolean> bool(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    Optional<Boolean> b = parseBool(v);
    if (b.isEmpty()) {
      problems.wrongType(pathOf(key), "true or false", v);
    }
    return b;
  }

  /** Booleans as Patroni reads them: YAML booleans, and on/off, yes/no, true/false, 1/0 as text. */
  static Optional<Boolean> parseBool(Object v) {
    if (v instanceof Boolean b) {
      return Optional.of(b);
    }
    if (v instanceof Number n && (n.longValue() == 0 || n.longValue() == 1) && n.doubleValue() == n.longValue()) {
      return Optional.of(n.longValue() == 1);
    }
    if (v instanceof String s) {
      switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "true": case "on": case "yes": case "1": return Optional.of(true);
        case "false": case "off": case "no": case "0": return Optional.of(false);
        default: return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** An integer within [min, max]. */
  Optional<Long> integer(String key, long min, long max) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    Optional<Long> n = parseLong(v);
    if (n.isEmpty()) {
      problems.wrongType(pathOf(key), "an integer", v);
      return Optional.empty();
    }
    return inRange(key, n.get(), min, max, "");
  }

  /**
   * A duration in seconds: a number, or a number with a unit as PostgreSQL writes them
   * ({@code ms}, {@code s}, {@code min}, {@code h}, {@code d}).
   */
  Optional<Duration> seconds(String key, long minSeconds, long maxSeconds) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    Optional<Long> millis = parseMillis(v);
    if (millis.isEmpty()) {
      problems.wrongType(pathOf(key), "a number of seconds (or a number with a unit: ms, s, min, h, d)", v);
      return Optional.empty();
    }
    long ms = millis.get();
    if (ms < minSeconds * 1000 || ms > maxSeconds * 1000) {
      problems.error(Kind.INVALID_VALUE, pathOf(key), "must be between " + minSeconds + " and " + maxSeconds
          + " seconds, got " + v);
      return Optional.empty();
    }
    return Optional.of(Duration.ofMillis(ms));
  }

  /** A size in bytes: a number, or a number with a unit ({@code B}, {@code kB}, {@code MB}, {@code GB}, {@code TB}). */
  Optional<Long> bytes(String key, long min, long max) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    Optional<Long> n = parseBytes(v);
    if (n.isEmpty()) {
      problems.wrongType(pathOf(key), "a number of bytes (or a number with a unit: B, kB, MB, GB, TB)", v);
      return Optional.empty();
    }
    return inRange(key, n.get(), min, max, " bytes");
  }

  private Optional<Long> inRange(String key, long n, long min, long max, String unit) {
    if (n < min || n > max) {
      String range = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
      problems.error(Kind.INVALID_VALUE, pathOf(key), "must be " + range + unit + ", got " + n);
      return Optional.empty();
    }
    return Optional.of(n);
  }

  static Optional<Long> parseLong(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return Optional.of(((Number) v).longValue());
    }
    if (v instanceof BigInteger b) {
      return b.bitLength() < 64 ? Optional.of(b.longValue()) : Optional.empty();
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
      return Optional.of(n.longValue());
    }
    if (v instanceof String s) {
      try {
        return Optional.of(Long.parseLong(s.trim()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  static Optional<Long> parseMillis(Object v) {
    if (!(v instanceof String)) {
      return parseLong(v).map(s -> s * 1000);
    }
    Matcher m = NUMBER_WITH_UNIT.matcher((String) v);
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "": case "s": return Optional.of(n * 1000);
      case "ms": return Optional.of(n);
      case "min": return Optional.of(n * 60_000);
      case "h": return Optional.of(n * 3_600_000);
      case "d": return Optional.of(n * 86_400_000);
      default: return Optional.empty();
    }
  }

  /** Sizes in PostgreSQL's units (powers of 1024), also used for the REST API's {@code lag=10MB}. */
  static Optional<Long> parseBytes(Object v) {
    if (!(v instanceof String)) {
      return parseLong(v);
    }
    Matcher m = NUMBER_WITH_UNIT.matcher((String) v);
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "": case "b": return Optional.of(n);
      case "kb": return Optional.of(n << 10);
      case "mb": return Optional.of(n << 20);
      case "gb": return Optional.of(n << 30);
      case "tb": return Optional.of(n << 40);
      default: return Optional.empty();
    }
  }

  // ---- collections --------------------------------------------------------------------------

  /** A list of scalars, or a comma-separated string. */
  Optional<List<String>> stringList(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      List<String> out = new ArrayList<>();
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return Optional.of(out);
    }
    if (v instanceof List<?> l) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < l.size(); i++) {
        Object item = l.get(i);
        if (item instanceof String || item instanceof Number || item instanceof Boolean) {
          out.add(String.valueOf(item));
        } else {
          problems.wrongType(pathOf(key) + "[" + i + "]", "a string", item);
        }
      }
      return Optional.of(out);
    }
    problems.wrongType(pathOf(key), "a list", v);
    return Optional.empty();
  }

  /** A list of strings only (pg_hba lines and the like: a comma-separated string is not a list there). */
  Optional<List<String>> lines(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof List<?>)) {
      problems.wrongType(pathOf(key), "a list of strings", v);
      return Optional.empty();
    }
    return stringList(key);
  }

  /** A mapping of plain values, copied. */
  Optional<Map<String, Object>> map(String key) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Map<?, ?> m) {
      return Optional.of(stringKeys(m));
    }
    problems.wrongType(pathOf(key), "a mapping", v);
    return Optional.empty();
  }

  /** A mapping whose values must be scalars, converted to strings. */
  Optional<Map<String, String>> stringMap(String key) {
    Optional<Map<String, Object>> m = map(key);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : m.get().entrySet()) {
      Object v = e.getValue();
      if (v instanceof String || v instanceof Number || v instanceof Boolean) {
        out.put(e.getKey(), String.valueOf(v));
      } else if (v != null) {
        problems.wrongType(pathOf(key) + "." + e.getKey(), "a string", v);
      }
    }
    return Optional.of(out);
  }

  /** A mapping whose values must be scalars (or null), kept as parsed: server parameters, tags. */
  Optional<Map<String, Object>> scalarMap(String key) {
    Optional<Map<String, Object>> m = map(key);
    m.ifPresent(map -> {
      for (Map.Entry<String, Object> e : map.entrySet()) {
        Object v = e.getValue();
        if (v instanceof Map || v instanceof List) {
          problems.wrongType(pathOf(key) + "." + e.getKey(), "a single value", v);
        }
      }
    });
    return m;
  }

  /**
   * Options as Patroni lists them for initdb and pg_basebackup: a list of flags and single-key
   * mappings, or (for basebackup) one mapping.
   */
  Optional<List<NamedOption>> options(String key, boolean mappingAllowed) {
    Object v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    List<NamedOption> out = new ArrayList<>();
    if (v instanceof Map<?, ?> m && mappingAllowed) {
      for (Map.Entry<String, Object> e : stringKeys(m).entrySet()) {
        out.add(option(pathOf(key) + "." + e.getKey(), e.getKey(), e.getValue()));
      }
      return Optional.of(out);
    }
    if (!(v instanceof List<?> l)) {
      problems.wrongType(pathOf(key), mappingAllowed ? "a list or a mapping" : "a list", v);
      return Optional.empty();
    }
    for (int i = 0; i < l.size(); i++) {
      Object item = l.get(i);
      String itemPath = pathOf(key) + "[" + i + "]";
      if (item instanceof String s) {
        out.add(NamedOption.flag(s));
      } else if (item instanceof Map<?, ?> m && m.size() == 1) {
        Map.Entry<String, Object> e = stringKeys(m).entrySet().iterator().next();
        out.add(option(itemPath, e.getKey(), e.getValue()));
      } else {
        problems.wrongType(itemPath, "an option name or a mapping with one key (- name: value)", item);
      }
    }
    return Optional.of(out);
  }

  private NamedOption option(String path, String name, Object value) {
    if (value == null) {
      return NamedOption.flag(name);
    }
    if (value instanceof Map || value instanceof List) {
      problems.wrongType(path, "a single value", value);
      return NamedOption.flag(name);
    }
    return NamedOption.of(name, String.valueOf(value));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put(String.valueOf(e.getKey()), e.getValue());
    }
    return out;
  }
}
