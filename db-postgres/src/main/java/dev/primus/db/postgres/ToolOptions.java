package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the option lists of {@code bootstrap.initdb} and {@code postgresql.basebackup} into long
 * command-line options. Both Patroni forms are accepted: a map ({@code max-rate: 100M}) or a list of
 * bare flags and one-key maps ({@code [data-checksums, {encoding: UTF8}]}).
 */
final class ToolOptions {
  private ToolOptions() {}

  static List<String> toArguments(Object options, Set<String> reserved, String key) throws DriverException {
    List<String> args = new ArrayList<>();
    if (options == null) {
      return args;
    }
    if (options instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        args.add(option(String.valueOf(e.getKey()), e.getValue(), reserved, key));
      }
    } else if (options instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof String flag) {
          args.add(option(flag, null, reserved, key));
        } else if (item instanceof Map<?, ?> one && one.size() == 1) {
          Map.Entry<?, ?> e = one.entrySet().iterator().next();
          args.add(option(String.valueOf(e.getKey()), e.getValue(), reserved, key));
        } else {
          throw new DriverException(Kind.INVALID_CONFIG,
              key + ": each entry must be a flag or a single 'name: value' pair, got " + item);
        }
      }
    } else {
      throw new DriverException(Kind.INVALID_CONFIG, key + " must be a list or a map");
    }
    return args;
  }

  private static String option(String name, Object value, Set<String> reserved, String key) throws DriverException {
    String n = name.startsWith("--") ? name.substring(2) : name;
    if (n.isEmpty() || n.startsWith("-") || n.contains("=") || n.chars().anyMatch(Character::isWhitespace)) {
      throw new DriverException(Kind.INVALID_CONFIG, key + ": '" + name + "' is not an option name");
    }
    if (reserved.contains(n)) {
      throw new DriverException(Kind.INVALID_CONFIG, key + ": option '" + n + "' is set by Primus and may not be given");
    }
    if (value == null) {
      return "--" + n;
    }
    return "--" + n + "=" + unquote(Quoting.scalar(value, key + "." + n));
  }

  /** YAML users often write {@code '"a b"'}; the quotes were meant for a shell that is not there. */
  private static String unquote(String v) {
    if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
      return v.substring(1, v.length() - 1);
    }
    return v;
  }
}
