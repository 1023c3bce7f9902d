package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed reads from parsed YAML maps; every error names the full key. */
final class Keys {
  private final Map<String, Object> map;
  private final String prefix;

  Keys(Map<String, Object> map, String prefix) {
    this.map = map == null ? Map.of() : map;
    this.prefix = prefix;
  }

  String key(String name) {
    return prefix + "." + name;
  }

  boolean has(String name) {
    return map.get(name) != null;
  }

  Object raw(String name) {
    return map.get(name);
  }

  Optional<String> string(String name) throws DriverException {
    Object v = map.get(name);
    if (v == null) {
      return Optional.empty();
    }
    String s = Quoting.scalar(v, key(name));
    return s.isBlank() ? Optional.empty() : Optional.of(s);
  }

  String required(String name) throws DriverException {
    return string(name).orElseThrow(() -> new DriverException(Kind.INVALID_CONFIG, key(name) + " is required"));
  }

  boolean bool(String name, boolean dflt) throws DriverException {
    Object v = map.get(name);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.longValue() != 0;
    }
    String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
    return switch (s) {
      case "true", "on", "yes", "1" -> true;
      case "false", "off", "no", "0" -> false;
      default -> throw new DriverException(Kind.INVALID_CONFIG, key(name) + " must be a boolean, got '" + v + "'");
    };
  }

  long positiveLong(String name, long dflt) throws DriverException {
    Object v = map.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      long n = v instanceof Number num ? num.longValue() : Long.parseLong(v.toString().trim());
      if (n <= 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new DriverException(Kind.INVALID_CONFIG, key(name) + " must be a positive whole number, got '" + v + "'");
    }
  }

  Keys section(String name) throws DriverException {
    Object v = map.get(name);
    if (v == null) {
      return new Keys(Map.of(), key(name));
    }
    return new Keys(asMap(v, key(name)), key(name));
  }

  Map<String, Object> map(String name) throws DriverException {
    Object v = map.get(name);
    return v == null ? Map.of() : asMap(v, key(name));
  }

  List<String> strings(String name) throws DriverException {
    Object v = map.get(name);
    if (v == null) {
      return List.of();
    }
    if (v instanceof String s) {
      return List.of(s);
    }
    if (!(v instanceof List<?> list)) {
      throw new DriverException(Kind.INVALID_CONFIG, key(name) + " must be a list");
    }
    List<String> out = new ArrayList<>();
    for (Object item : list) {
      out.add(Quoting.scalar(item, key(name) + "[]"));
    }
    return out;
  }

  java.util.Set<String> names() {
    return map.keySet();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> asMap(Object v, String key) throws DriverException {
    if (!(v instanceof Map<?, ?> m)) {
      throw new DriverException(Kind.INVALID_CONFIG, key + " must be a map");
    }
    for (Object k : m.keySet()) {
      if (!(k instanceof String)) {
        throw new DriverException(Kind.INVALID_CONFIG, key + " has a non-string key " + k);
      }
    }
    return (Map<String, Object>) m;
  }
}
