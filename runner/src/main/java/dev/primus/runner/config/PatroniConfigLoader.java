package dev.primus.runner.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.primus.runner.config.ConfigError.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Loads {@code patroni.yml}: parse, apply environment overrides, validate, bind. Every problem is
 * reported at once in a {@link ConfigLoadResult.Invalid}; nothing is built from a bad file. Warnings
 * come back in the result; this class never prints or logs.
 */
public final class PatroniConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      // a key given twice is almost always a mistake; YAML parsers differ on which one wins
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private PatroniConfigLoader() {}

  /** Loads a file, with the given environment's overrides. */
  public static ConfigLoadResult load(Path file, Map<String, String> environment) {
    Objects.requireNonNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return new ConfigLoadResult.Invalid(List.of(new ConfigError(Kind.SYNTAX, "",
          "cannot read " + file + ": " + e.getMessage())), List.of());
    }
    return load(text, environment);
  }

  /** Loads YAML text, with the given environment's overrides. */
  public static ConfigLoadResult load(String yaml, Map<String, String> environment) {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(environment, "environment");
    Problems problems = new Problems();
    Object parsed;
    try {
      parsed = YAML.readValue(yaml, Object.class);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      return new ConfigLoadResult.Invalid(List.of(new ConfigError(Kind.SYNTAX, "",
          "not valid YAML" + where + ": " + e.getOriginalMessage())), List.of());
    }
    if (parsed != null && !(parsed instanceof Map)) {
      return new ConfigLoadResult.Invalid(List.of(new ConfigError(Kind.SYNTAX, "",
          "the top level must be a mapping of sections, got " + Problems.describe(parsed))), List.of());
    }
    Map<String, Object> tree = mutableCopy(parsed == null ? Map.of() : (Map<?, ?>) parsed);
    EnvironmentOverrides.apply(tree, environment, problems);
    var config = new ConfigBinder(problems, environment).bind(tree);
    if (config.isEmpty()) {
      return new ConfigLoadResult.Invalid(problems.errors(), problems.warnings());
    }
    return new ConfigLoadResult.Loaded(config.get(), problems.warnings());
  }

  /**
   * Loads the whole configuration from {@code PRIMUS_CONFIGURATION} or, failing that,
   * {@code PATRONI_CONFIGURATION}. As in Patroni, no other override applies then: the variable is the
   * complete configuration.
   */
  public static ConfigLoadResult fromEnvironment(Map<String, String> environment) {
    String text = environment.getOrDefault("PRIMUS_CONFIGURATION", environment.get("PATRONI_CONFIGURATION"));
    if (text == null || text.isBlank()) {
      return new ConfigLoadResult.Invalid(List.of(new ConfigError(Kind.MISSING, "",
          "no configuration file given and neither PRIMUS_CONFIGURATION nor PATRONI_CONFIGURATION is set")), List.of());
    }
    Map<String, String> onlyHome = new LinkedHashMap<>();
    if (environment.containsKey("HOME")) {
      onlyHome.put("HOME", environment.get("HOME"));
    }
    return load(text, onlyHome);
  }

  /**
   * {@code tree} (a parsed file) with the environment's overrides applied, unvalidated, warnings dropped: for
   * a reader that takes a few keys of a file that need not be a whole configuration ({@code primus ctl}'s).
   */
  public static Map<String, Object> withEnvironment(Map<?, ?> tree, Map<String, String> environment) {
    Map<String, Object> copy = mutableCopy(tree);
    EnvironmentOverrides.apply(copy, environment, new Problems());
    return copy;
  }

  /** A deep copy into mutable maps and lists, so the overrides can be applied in place. */
  private static Map<String, Object> mutableCopy(Map<?, ?> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : in.entrySet()) {
      out.put(String.valueOf(e.getKey()), mutableValue(e.getValue()));
    }
    return out;
  }

  private static Object mutableValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return mutableCopy(m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(mutableValue(o));
      }
      return out;
    }
    return v;
  }
}
