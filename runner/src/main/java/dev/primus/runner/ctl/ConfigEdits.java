package dev.primus.runner.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code edit-config -s key.path=value} and {@code -p param=value}, as patronictl applies them: the key is
 * a dotted path into the configuration, except below {@code postgresql.parameters}, where the rest of
 * the path is one parameter name (parameters may contain dots); the value is read as YAML (so
 * {@code 10} is a number, {@code on} a boolean, {@code null} removes the key); maps left empty by a
 * removal disappear.
 */
final class ConfigEdits {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern BOOL_TRUE = Pattern.compile("yes|Yes|YES|true|True|TRUE|on|On|ON");
  private static final Pattern BOOL_FALSE = Pattern.compile("no|No|NO|false|False|FALSE|off|Off|OFF");
  private static final Pattern NULL = Pattern.compile("~|null|Null|NULL|");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?(?:0|[1-9][0-9_]*)");
  private static final Pattern FLOAT = Pattern.compile("[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?");

  private ConfigEdits() {}

  /** The configuration with every {@code key=value} pair applied, in order. */
  static Map<String, Object> apply(Map<String, Object> config, List<String> pairs) {
    Map<String, Object> out = deepCopy(config);
    for (String pair : pairs) {
      int eq = pair == null ? -1 : pair.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("Invalid parameter setting " + pair);
      }
      String[] path = pair.substring(0, eq).strip().split("\\.");
      set(out, List.of(path), value(pair.substring(eq + 1)), List.of());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static void set(Map<String, Object> config, List<String> path, Object value, List<String> prefix) {
    List<String> p = path;
    if (prefix.equals(List.of("postgresql", "parameters"))) {
      p = List.of(String.join(".", path));
    }
    String key = p.get(0);
    if (p.size() == 1) {
      if (value == null) {
        config.remove(key);
      } else {
        config.put(key, value);
      }
      return;
    }
    if (!(config.get(key) instanceof Map)) {
      config.put(key, new LinkedHashMap<String, Object>());
    }
    Map<String, Object> child = (Map<String, Object>) config.get(key);
    List<String> deeper = new ArrayList<>(prefix);
    deeper.add(key);
    set(child, p.subList(1, p.size()), value, deeper);
    if (child.isEmpty()) {
      config.remove(key);
    }
  }

  /** A value as YAML 1.1 reads it: null, booleans (yes/no/on/off too), integers, floats, flow collections, text. */
  static Object value(String text) {
    String t = text.strip();
    if (NULL.matcher(t).matches()) {
      return null;
    }
    if (BOOL_TRUE.matcher(t).matches()) {
      return Boolean.TRUE;
    }
    if (BOOL_FALSE.matcher(t).matches()) {
      return Boolean.FALSE;
    }
    if (DECIMAL.matcher(t).matches()) {
      String digits = t.replace("_", "");
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException e) {
        return new java.math.BigInteger(digits);
      }
    }
    if (FLOAT.matcher(t).matches()) {
      return Double.parseDouble(t.replace("_", ""));
    }
    if (t.startsWith("{") || t.startsWith("[") || t.startsWith("'") || t.startsWith("\"")) {
      try {
        return YAML.readValue(t, Object.class);
      } catch (java.io.IOException e) {
        return t;
      }
    }
    return t;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> deepCopy(Map<String, Object> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m)
        : v instanceof List<?> l ? new ArrayList<>(l) : v));
    return out;
  }
}
