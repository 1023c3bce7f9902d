package dev.primus.runner.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The effective configuration as plain YAML values (the file with the environment overrides applied),
 * for the parts handed on untyped: the database driver's {@code postgresql} and {@code bootstrap}
 * sections. Its {@link #toString()} and {@link #dump()} mask secrets.
 */
public final class ConfigTree {
  private final Map<String, Object> root;

  ConfigTree(Map<String, Object> root) {
    this.root = immutableCopy(root);
  }

  /** The whole tree, secrets included. */
  public Map<String, Object> asMap() {
    return root;
  }

  /** A top-level section as a mapping, if present and a mapping. */
  @SuppressWarnings("unchecked")
  public Optional<Map<String, Object>> section(String key) {
    return root.get(key) instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
  }

  /** The tree as YAML with every secret masked. */
  public String dump() {
    try {
      ObjectMapper yaml = new ObjectMapper(new YAMLFactory()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));
      return yaml.writeValueAsString(Masking.mask(root));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("plain YAML values always serialize", e);
    }
  }

  @Override
  public String toString() {
    return "ConfigTree" + Masking.mask(root);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigTree t && t.root.equals(root);
  }

  @Override
  public int hashCode() {
    return root.hashCode();
  }

  /** A deep, unmodifiable copy that keeps insertion order and drops null map values. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> immutableCopy(Map<String, ?> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, ?> e : in.entrySet()) {
      if (e.getValue() != null) {
        out.put(e.getKey(), copyValue(e.getValue()));
      }
    }
    return Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object copyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return immutableCopy((Map<String, ?>) m);
    }
    if (v instanceof List<?> l) {
      List<Object> copy = new ArrayList<>(l.size());
      for (Object o : l) {
        copy.add(o == null ? null : copyValue(o));
      }
      return Collections.unmodifiableList(copy);
    }
    return v;
  }
}
