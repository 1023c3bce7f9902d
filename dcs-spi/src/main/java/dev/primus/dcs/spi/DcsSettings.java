package dev.primus.dcs.spi;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link DcsProvider} gets to build its store: its own section of the configuration as parsed
 * YAML (maps, lists, strings, numbers, booleans), and the cluster timings it must respect.
 *
 * @param section      the provider's section, e.g. the value of {@code etcd3:} in {@code patroni.yml}
 * @param ttl          the leader-lock TTL; ZooKeeper uses it as the session timeout
 * @param retryTimeout the deadline for one request including retries
 * @param classLoader  the loader to resolve further classes with (embedders run in fat jars)
 */
public record DcsSettings(
    Map<String, Object> section, Duration ttl, Duration retryTimeout, ClassLoader classLoader) {

  public DcsSettings {
    section = Map.copyOf(section.entrySet().stream()
        .filter(e -> e.getValue() != null)
        .collect(LinkedHashMap<String, Object>::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    Objects.requireNonNull(classLoader, "classLoader");
  }

  /** A string key, or empty. A non-string value is an error naming the key. */
  public Optional<String> string(String key) throws DcsConfigException {
    Object v = section.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(s);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return Optional.of(String.valueOf(v));
    }
    throw new DcsConfigException(key, "expected a string, got " + describe(v));
  }

  /**
   * A list of strings; a single string is split on commas (Patroni accepts {@code hosts} both as a
   * list and as {@code "h1:2379,h2:2379"}).
   */
  public Optional<List<String>> stringList(String key) throws DcsConfigException {
    Object v = section.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(List.of(s.strip().split("\\s*,\\s*")).stream().filter(x -> !x.isEmpty()).toList());
    }
    if (v instanceof List<?> list) {
      java.util.ArrayList<String> out = new java.util.ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        if (!(item instanceof String || item instanceof Number)) {
          throw new DcsConfigException(key + "[" + i + "]", "expected a string, got " + describe(item));
        }
        out.add(String.valueOf(item));
      }
      return Optional.of(List.copyOf(out));
    }
    throw new DcsConfigException(key, "expected a list or a comma-separated string, got " + describe(v));
  }

  /** A boolean key, or empty; accepts YAML booleans and the strings true/false. */
  public Optional<Boolean> bool(String key) throws DcsConfigException {
    Object v = section.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof Boolean b) {
      return Optional.of(b);
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Optional.of(Boolean.parseBoolean(s));
    }
    throw new DcsConfigException(key, "expected true or false, got " + describe(v));
  }

  private static String describe(Object v) {
    return v.getClass().getSimpleName() + " '" + v + "'";
  }
}
