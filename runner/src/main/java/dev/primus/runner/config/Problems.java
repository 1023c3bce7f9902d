package dev.primus.runner.config;

import dev.primus.runner.config.ConfigError.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Collects every error and warning of one load, so they are all reported together. */
final class Problems {
  private final List<ConfigError> errors = new ArrayList<>();
  private final List<ConfigWarning> warnings = new ArrayList<>();

  void error(Kind kind, String path, String message) {
    ConfigError e = new ConfigError(kind, path, message);
    if (!errors.contains(e)) {
      errors.add(e);
    }
  }

  void wrongType(String path, String expected, Object actual) {
    error(Kind.WRONG_TYPE, path, "expected " + expected + ", got " + describe(actual));
  }

  void warn(String path, String message) {
    ConfigWarning w = new ConfigWarning(path, message);
    if (!warnings.contains(w)) {
      warnings.add(w);
    }
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  List<ConfigError> errors() {
    return List.copyOf(errors);
  }

  List<ConfigWarning> warnings() {
    return List.copyOf(warnings);
  }

  /** The value's YAML type and, for scalars, the value, for error messages. */
  static String describe(Object v) {
    if (v == null) {
      return "nothing (null)";
    }
    if (v instanceof Map) {
      return "a mapping";
    }
    if (v instanceof List) {
      return "a list";
    }
    if (v instanceof Boolean) {
      return "a boolean " + v;
    }
    if (v instanceof Number) {
      return "a number " + v;
    }
    return "a string '" + v + "'";
  }
}
