package dev.primus.dcs.model;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code config} key: the cluster-wide settings every member follows, as Patroni's JSON object.
 *
 * <p>{@link #values()} holds the whole object as plain Java values (maps, lists, strings, numbers,
 * booleans), so keys Primus does not model survive a read-modify-write. The typed accessors apply
 * Patroni's defaults. The layout codec checks the types of the keys these accessors read before it
 * builds a {@code DynamicConfig}, so the accessors do not throw on a decoded value.
 */
public record DynamicConfig(Map<String, Object> values) {

  public static final DynamicConfig EMPTY = new DynamicConfig(Map.of());

  public DynamicConfig {
    values = deepCopy(values);
  }

  public Duration ttl() {
    return Duration.ofSeconds(number("ttl", 30));
  }

  public Duration loopWait() {
    return Duration.ofSeconds(number("loop_wait", 10));
  }

  public Duration retryTimeout() {
    return Duration.ofSeconds(number("retry_timeout", 10));
  }

  /** Bytes a replica may lag behind {@code status.optime} and still be promoted. */
  public long maximumLagOnFailover() {
    return number("maximum_lag_on_failover", 1_048_576);
  }

  /** How long a crashed primary that still holds the lock may take to restart; 0 fails over at once. */
  public Duration primaryStartTimeout() {
    return Duration.ofSeconds(number("primary_start_timeout", number("master_start_timeout", 300)));
  }

  public Duration primaryStopTimeout() {
    return Duration.ofSeconds(number("primary_stop_timeout", number("master_stop_timeout", 0)));
  }

  public SynchronousMode synchronousMode() {
    return SynchronousMode.fromJson(values.get("synchronous_mode"));
  }

  public boolean synchronousModeStrict() {
    return bool("synchronous_mode_strict", false);
  }

  public int synchronousNodeCount() {
    return (int) number("synchronous_node_count", 1);
  }

  public long maximumLagOnSyncnode() {
    return number("maximum_lag_on_syncnode", -1);
  }

  public boolean checkTimeline() {
    return bool("check_timeline", false);
  }

  public boolean failsafeMode() {
    return bool("failsafe_mode", false);
  }

  public boolean pause() {
    return bool("pause", false);
  }

  /**
   * How long a departed member's slot is kept. Patroni reads this one with a time unit
   * ({@code "30min"}, {@code "1h"}, {@code "90s"}); a bare number is seconds.
   */
  public Duration memberSlotsTtl() {
    Object v = values.get("member_slots_ttl");
    if (v instanceof String s) {
      java.util.regex.Matcher m = DURATION_WITH_UNIT.matcher(s.trim());
      if (m.matches() && m.group(2) != null) {
        double seconds = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
          case "us" -> 1e-6;
          case "ms" -> 1e-3;
          case "min" -> 60;
          case "h" -> 3600;
          case "d" -> 86400;
          default -> 1;
        };
        return Duration.ofSeconds(Math.round(seconds));
      }
    }
    return Duration.ofSeconds(number("member_slots_ttl", 1800));
  }

  private static final java.util.regex.Pattern DURATION_WITH_UNIT =
      java.util.regex.Pattern.compile("(-?[0-9]+(?:\\.[0-9]+)?)\\s*(us|ms|s|min|h|d)?");

  public boolean usePgRewind() {
    return postgresqlBool("use_pg_rewind", false);
  }

  public boolean useSlots() {
    return postgresqlBool("use_slots", true);
  }

  /** {@code postgresql.parameters}, as written. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> postgresqlParameters() {
    Object pg = values.get("postgresql");
    if (pg instanceof Map<?, ?> m && m.get("parameters") instanceof Map<?, ?> p) {
      return (Map<String, Object>) p;
    }
    return Map.of();
  }

  /** Permanent replication slots ({@code slots}), name to definition. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> permanentSlots() {
    return values.get("slots") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  public Optional<Map<String, Object>> standbyCluster() {
    return values.get("standby_cluster") instanceof Map<?, ?> m && !m.isEmpty()
        ? Optional.of((Map<String, Object>) m)
        : Optional.empty();
  }

  /** This config with {@code key} set, or removed when {@code value} is null. */
  public DynamicConfig with(String key, Object value) {
    Map<String, Object> copy = new LinkedHashMap<>(values);
    if (value == null) {
      copy.remove(key);
    } else {
      copy.put(key, value);
    }
    return new DynamicConfig(copy);
  }

  /**
   * Applies a JSON merge patch (RFC 7386), as {@code PATCH /config} and {@code edit-config} do: a
   * {@code null} removes the key, objects merge recursively, anything else replaces.
   */
  public DynamicConfig mergePatch(Map<String, Object> patch) {
    return new DynamicConfig(merge(values, patch));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> merge(Map<String, Object> target, Map<String, Object> patch) {
    Map<String, Object> out = new LinkedHashMap<>(target);
    for (Map.Entry<String, Object> e : patch.entrySet()) {
      Object pv = e.getValue();
      if (pv == null) {
        out.remove(e.getKey());
      } else if (pv instanceof Map<?, ?> pm) {
        Object tv = out.get(e.getKey());
        Map<String, Object> base = tv instanceof Map<?, ?> tm ? (Map<String, Object>) tm : Map.of();
        out.put(e.getKey(), merge(base, (Map<String, Object>) pm));
      } else {
        out.put(e.getKey(), pv);
      }
    }
    return out;
  }

  private long number(String key, long dflt) {
    Object v = values.get(key);
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return dflt;
      }
    }
    return dflt;
  }

  private boolean bool(String key, boolean dflt) {
    return asBool(values.get(key), dflt);
  }

  private boolean postgresqlBool(String key, boolean dflt) {
    Object pg = values.get("postgresql");
    return pg instanceof Map<?, ?> m ? asBool(m.get(key), dflt) : dflt;
  }

  /** Patroni's {@code parse_bool}: booleans, on/off/true/false/yes/no/1/0, and the integers 1 and 0. */
  private static boolean asBool(Object v, boolean dflt) {
    if (v instanceof Boolean b) {
      return b;
    }
    if ((v instanceof Integer || v instanceof Long) && (((Number) v).longValue() == 0 || ((Number) v).longValue() == 1)) {
      return ((Number) v).longValue() == 1;
    }
    if (v instanceof String s) {
      String t = s.trim().toLowerCase(java.util.Locale.ROOT);
      if (t.equals("true") || t.equals("on") || t.equals("yes") || t.equals("1")) {
        return true;
      }
      if (t.equals("false") || t.equals("off") || t.equals("no") || t.equals("0")) {
        return false;
      }
    }
    return dflt;
  }

  /** Immutable deep copy; JSON nulls inside are kept (Collections.unmodifiableMap allows them). */
  private static Map<String, Object> deepCopy(Map<String, Object> in) {
    Objects.requireNonNull(in, "values");
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : in.entrySet()) {
      out.put(e.getKey(), deepCopyValue(e.getValue()));
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return deepCopy((Map<String, Object>) m);
    }
    if (v instanceof java.util.List<?> l) {
      java.util.List<Object> copy = new java.util.ArrayList<>(l.size());
      for (Object o : l) {
        copy.add(deepCopyValue(o));
      }
      return java.util.Collections.unmodifiableList(copy);
    }
    return v;
  }
}
