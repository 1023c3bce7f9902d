package dev.primus.runner.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Loading helpers for the config tests. */
final class ConfigTestSupport {
  static final Map<String, String> NO_ENV = Map.of("HOME", "/home/postgres");

  /** The smallest valid file: only the required keys. */
  static final String MINIMAL = String.join("\n",
      "scope: demo",
      "name: node1",
      "restapi:",
      "  listen: 0.0.0.0:8008",
      "  connect_address: 10.0.0.1:8008",
      "etcd3:",
      "  hosts: 10.0.0.10:2379",
      "postgresql:",
      "  listen: 0.0.0.0:5432",
      "  connect_address: 10.0.0.1:5432",
      "  data_dir: /var/lib/postgresql/data",
      "");

  private ConfigTestSupport() {}

  static PatroniConfig loaded(String yaml) {
    return loaded(yaml, NO_ENV);
  }

  static PatroniConfig loaded(String yaml, Map<String, String> env) {
    ConfigLoadResult r = PatroniConfigLoader.load(yaml, env);
    if (r instanceof ConfigLoadResult.Invalid inv) {
      fail("expected a valid configuration, got:\n" + inv.describe());
    }
    return ((ConfigLoadResult.Loaded) r).config();
  }

  static List<ConfigError> errors(String yaml) {
    return errors(yaml, NO_ENV);
  }

  static List<ConfigError> errors(String yaml, Map<String, String> env) {
    ConfigLoadResult r = PatroniConfigLoader.load(yaml, env);
    assertTrue(r instanceof ConfigLoadResult.Invalid, () -> "expected errors, the configuration loaded: " + r);
    return ((ConfigLoadResult.Invalid) r).errors();
  }

  /** The minimal file with {@code extra} lines appended under {@code section} (indented by the caller). */
  static String minimalWith(String extra) {
    return MINIMAL + extra + "\n";
  }

  static String resource(String name) {
    try (InputStream in = ConfigTestSupport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
