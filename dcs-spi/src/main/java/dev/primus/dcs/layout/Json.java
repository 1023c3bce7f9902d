package dev.primus.dcs.layout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The codec's only contact with Jackson: parsing into plain Java values, writing a node tree, and
 * the typed field readers every key decoder shares. Jackson types stay inside this package.
 *
 * <p>Plain values are what {@code DynamicConfig} and the {@code extra} maps hold: {@link Map}
 * (insertion ordered), {@link List}, {@link String}, {@link Boolean}, {@link Integer}, {@link Long},
 * {@link BigInteger}, {@link Double}, {@link BigDecimal} and {@code null}.
 */
final class Json {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      // "{}garbage" must not decode as "{}": a value is one JSON document or it is invalid.
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      // Python's json.dumps escapes non-ASCII by default; doing the same keeps values readable by
      // tools that assume ASCII, and is still valid JSON for everybody else.
      .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
      .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  // ---------------------------------------------------------------- parsing

  /** Parses one JSON document into plain Java values. */
  static Object parse(String raw) throws BadValue {
    JsonNode node;
    try {
      node = MAPPER.readTree(raw);
    } catch (JsonProcessingException e) {
      throw new BadValue("not JSON (" + shortMessage(e) + ")");
    }
    if (node == null || node.isMissingNode()) {
      throw new BadValue("not JSON (empty value)");
    }
    return plain(node, "");
  }

  private static String shortMessage(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return (m.length() > 120 ? m.substring(0, 120) + "..." : m)
        + (e.getLocation() != null ? " at column " + e.getLocation().getColumnNr() : "");
  }

  private static Object plain(JsonNode node, String path) throws BadValue {
    switch (node.getNodeType()) {
      case OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
          map.put(e.getKey(), plain(e.getValue(), join(path, e.getKey())));
        }
        return map;
      }
      case ARRAY: {
        List<Object> list = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
          list.add(plain(node.get(i), path + "[" + i + "]"));
        }
        return list;
      }
      case STRING:
        return node.textValue();
      case BOOLEAN:
        return node.booleanValue();
      case NULL:
        return null;
      case NUMBER:
        if (node.isInt()) {
          return node.intValue();
        }
        if (node.isLong()) {
          return node.longValue();
        }
        if (node.isBigInteger()) {
          return node.bigIntegerValue();
        }
        if (node.isBigDecimal()) {
          return node.decimalValue();
        }
        double d = node.doubleValue();
        if (!Double.isFinite(d)) {
          throw new BadValue(field(path) + "number out of range");
        }
        return d;
      default:
        throw new BadValue(field(path) + "unsupported JSON value");
    }
  }

  // ---------------------------------------------------------------- writing

  static ObjectNode object() {
    return NODES.objectNode();
  }

  static ArrayNode array() {
    return NODES.arrayNode();
  }

  /** Writes the tree compactly ({@code {"a":1}}), in the node order given. */
  static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      // Writing a tree we built ourselves from plain values cannot fail short of a Jackson bug.
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * Converts a plain value to a node, with every map's keys sorted so equal values give equal bytes
   * whatever order their maps were built in.
   *
   * @throws IllegalArgumentException for a value that is not a plain JSON value, naming where it is
   */
  static JsonNode node(Object v, String path) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (v instanceof String s) {
      return NODES.textNode(s);
    }
    if (v instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return NODES.numberNode(((Number) v).longValue());
    }
    if (v instanceof BigInteger b) {
      return NODES.numberNode(b);
    }
    if (v instanceof BigDecimal b) {
      return NODES.numberNode(b);
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException(field(path) + "JSON has no " + d);
      }
      return NODES.numberNode(d);
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new IllegalArgumentException(field(path) + "map key " + e.getKey() + " is not a string");
        }
        sorted.put(k, e.getValue());
      }
      ObjectNode o = NODES.objectNode();
      for (Map.Entry<String, Object> e : sorted.entrySet()) {
        o.set(e.getKey(), node(e.getValue(), join(path, e.getKey())));
      }
      return o;
    }
    if (v instanceof List<?> l) {
      ArrayNode a = NODES.arrayNode();
      for (int i = 0; i < l.size(); i++) {
        a.add(node(l.get(i), path + "[" + i + "]"));
      }
      return a;
    }
    throw new IllegalArgumentException(field(path) + "cannot write a " + v.getClass().getName() + " as JSON");
  }

  // ---------------------------------------------------------------- typed readers

  static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private static String field(String path) {
    return path.isEmpty() ? "" : path + ": ";
  }

  /** The value as an object, or a {@link BadValue} naming {@code path} ("the value" at top level). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> object(Object v, String path) throws BadValue {
    if (v instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new BadValue((path.isEmpty() ? "" : path + ": ") + "expected a JSON object, got " + describe(v));
  }

  static List<Object> list(Object v, String path) throws BadValue {
    if (v instanceof List<?> l) {
      return Collections.unmodifiableList(l);
    }
    throw new BadValue((path.isEmpty() ? "" : path + ": ") + "expected a JSON list, got " + describe(v));
  }

  /** A string field; absent or {@code null} is empty. */
  static Optional<String> string(Map<String, Object> o, String name, String path) throws BadValue {
    Object v = o.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return Optional.of(s);
    }
    throw new BadValue(join(path, name) + ": expected a string, got " + describe(v));
  }

  /** A string field where {@code ""} means unset, as Patroni's truthiness checks treat it. */
  static Optional<String> nonEmptyString(Map<String, Object> o, String name, String path) throws BadValue {
    return string(o, name, path).filter(s -> !s.isEmpty());
  }

  /** An integer field; absent or {@code null} is empty. See {@link #toLong}. */
  static Optional<Long> integer(Map<String, Object> o, String name, String path) throws BadValue {
    Object v = o.get(name);
    return v == null ? Optional.empty() : Optional.of(toLong(v, join(path, name)));
  }

  /**
   * An integer: a JSON integer, a float with no fractional part, or a string holding a decimal integer
   * (Patroni's {@code parse_int} accepts numeric strings).
   */
  static long toLong(Object v, String path) throws BadValue {
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b) {
      try {
        return b.longValueExact();
      } catch (ArithmeticException e) {
        throw new BadValue(path + ": integer out of range: " + b);
      }
    }
    if (v instanceof Double || v instanceof BigDecimal) {
      BigDecimal d = v instanceof BigDecimal bd ? bd : BigDecimal.valueOf((Double) v);
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw new BadValue(path + ": expected an integer, got " + describe(v));
      }
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new BadValue(path + ": expected an integer, got " + describe(v));
      }
    }
    throw new BadValue(path + ": expected an integer, got " + describe(v));
  }

  /** A boolean field; absent or {@code null} is empty. See {@link #toBool}. */
  static Optional<Boolean> bool(Map<String, Object> o, String name, String path) throws BadValue {
    Object v = o.get(name);
    return v == null ? Optional.empty() : Optional.of(toBool(v, join(path, name)));
  }

  /**
   * A boolean as Patroni's {@code parse_bool} reads it: JSON booleans, the strings
   * on/off/true/false/yes/no/1/0 in any case, and the integers 1 and 0.
   */
  static boolean toBool(Object v, String path) throws BadValue {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Integer || v instanceof Long) {
      long n = ((Number) v).longValue();
      if (n == 0 || n == 1) {
        return n == 1;
      }
    }
    if (v instanceof String s) {
      switch (s.strip().toLowerCase(Locale.ROOT)) {
        case "on": case "true": case "yes": case "1":
          return true;
        case "off": case "false": case "no": case "0":
          return false;
        default:
          break;
      }
    }
    throw new BadValue(path + ": expected true or false, got " + describe(v));
  }

  /** Python's truthiness of a JSON value, which Patroni applies to boolean tags. */
  static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n instanceof BigDecimal d ? d.signum() != 0
          : n instanceof BigInteger i ? i.signum() != 0
          : n.doubleValue() != 0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    return true;
  }

  /** A short description of a value for error messages, e.g. {@code a string "abc"}. */
  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
      return "a string \"" + shown + "\"";
    }
    if (v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof Number) {
      return "the number " + v;
    }
    if (v instanceof Map<?, ?>) {
      return "an object";
    }
    if (v instanceof List<?>) {
      return "a list";
    }
    return v.getClass().getSimpleName();
  }
}
