package dev.primus.runner.ctl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes plain values (maps, lists, strings, numbers, booleans, null) as block YAML the way
 * {@code patronictl show-config} shows the dynamic configuration: keys sorted, two-space indentation,
 * list items at their key's indentation, strings quoted only when YAML would read them as something
 * else ({@code 'on'}, {@code '10'}, {@code ''}) or when they hold characters that need it.
 */
final class PyYaml {
  private static final Pattern BOOL = Pattern.compile("yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF");
  private static final Pattern NULL = Pattern.compile("~|null|Null|NULL");
  private static final Pattern INT = Pattern.compile(
      "[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+");
  private static final Pattern FLOAT = Pattern.compile(
      "[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9_]+(?:[eE][-+][0-9]+)?"
          + "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)");
  private static final Pattern TIMESTAMP = Pattern.compile("[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?.*");

  private PyYaml() {}

  /** The document, ending with a newline. */
  static String dump(Object value) {
    StringBuilder sb = new StringBuilder();
    if (value instanceof Map<?, ?> m && !m.isEmpty()) {
      mapping(sb, m, 0);
    } else if (value instanceof Collection<?> l && !l.isEmpty()) {
      sequence(sb, l, 0);
    } else {
      sb.append(scalar(value)).append('\n');
    }
    return sb.toString();
  }

  private static void mapping(StringBuilder sb, Map<?, ?> m, int indent) {
    Map<String, Object> sorted = new TreeMap<>();
    m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
    boolean first = true;
    for (Map.Entry<String, Object> e : sorted.entrySet()) {
      if (!first || sb.length() == 0 || sb.charAt(sb.length() - 1) == '\n') {
        sb.append(" ".repeat(indent));
      }
      first = false;
      sb.append(scalar(e.getKey())).append(':');
      value(sb, e.getValue(), indent, false);
    }
  }

  private static void sequence(StringBuilder sb, Collection<?> l, int indent) {
    boolean first = true;
    for (Object item : l) {
      if (!first || sb.length() == 0 || sb.charAt(sb.length() - 1) == '\n') {
        sb.append(" ".repeat(indent));
      }
      first = false;
      sb.append('-');
      value(sb, item, indent, true);
    }
  }

  /** After {@code key:} or {@code -}: a nested block on the next lines, or a scalar on this one. */
  private static void value(StringBuilder sb, Object v, int indent, boolean inSequence) {
    if (v instanceof Map<?, ?> m && !m.isEmpty()) {
      if (inSequence) {
        // "- key: v" with the following keys aligned under the first
        sb.append(' ');
        mapping(sb, m, indent + 2);
      } else {
        sb.append('\n');
        mapping(sb, m, indent + 2);
      }
    } else if (v instanceof Collection<?> l && !l.isEmpty()) {
      if (inSequence) {
        sb.append(' ');
        sequence(sb, l, indent + 2);
      } else {
        sb.append('\n');
        sequence(sb, l, indent);
      }
    } else {
      sb.append(' ').append(scalar(v)).append('\n');
    }
  }

  static String scalar(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Boolean b) {
      return b ? "true" : "false";
    }
    if (v instanceof Map<?, ?>) {
      return "{}";
    }
    if (v instanceof Collection<?>) {
      return "[]";
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isNaN(d)) {
        return ".nan";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? ".inf" : "-.inf";
      }
      String s = Double.toString(d);
      return s.contains("E") ? s.replace("E", "e+").replace("e+-", "e-") : s;
    }
    if (v instanceof Number) {
      return v.toString();
    }
    String s = v.toString();
    if (s.isEmpty()) {
      return "''";
    }
    if (needsDoubleQuotes(s)) {
      return doubleQuoted(s);
    }
    if (!plainAllowed(s)) {
      return "'" + s.replace("'", "''") + "'";
    }
    return s;
  }

  /** Whether a string can be written unquoted and read back as the same string. */
  private static boolean plainAllowed(String s) {
    if (BOOL.matcher(s).matches() || NULL.matcher(s).matches() || INT.matcher(s).matches()
        || FLOAT.matcher(s).matches() || TIMESTAMP.matcher(s).matches() || s.equals("=") || s.equals("<<")) {
      return false;
    }
    char first = s.charAt(0);
    if ("#,[]{}&*!|>'\"%@`".indexOf(first) >= 0) {
      return false;
    }
    if ((first == '-' || first == '?' || first == ':') && (s.length() == 1 || s.charAt(1) == ' ')) {
      return false;
    }
    if (s.startsWith("---") || s.startsWith("...")) {
      return false;
    }
    if (Character.isWhitespace(first) || Character.isWhitespace(s.charAt(s.length() - 1))) {
      return false;
    }
    if (s.contains(": ") || s.contains(" #") || s.endsWith(":")) {
      return false;
    }
    return true;
  }

  private static boolean needsDoubleQuotes(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static String doubleQuoted(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02X", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** A flow-style one-liner ({@code {a: 1, b: x}}), for tab-separated output. */
  static String flow(Object v) {
    if (v instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      new TreeMap<>(stringKeys(m)).forEach((k, x) -> parts.add(scalar(k) + ": " + flow(x)));
      return "{" + String.join(", ", parts) + "}";
    }
    if (v instanceof Collection<?> l) {
      List<String> parts = new ArrayList<>();
      l.forEach(x -> parts.add(flow(x)));
      return "[" + String.join(", ", parts) + "]";
    }
    return scalar(v);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }
}
