package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Quoting rules of the three small languages the driver writes: postgresql.conf, libpq conninfo, SQL. */
final class Quoting {
  private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");

  private Quoting() {}

  /**
   * A postgresql.conf value. Every value is quoted (the server accepts quoted numbers and booleans),
   * so nothing a user writes can end the line or start a new setting.
   */
  static String confValue(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
  }

  /** Rejects names that could not be a setting: they would corrupt the generated file. */
  static String parameterName(String name, String key) throws DriverException {
    if (!PARAMETER_NAME.matcher(name).matches()) {
      throw new DriverException(Kind.INVALID_CONFIG, key + ": '" + name + "' is not a valid parameter name");
    }
    return name;
  }

  /** Renders a YAML scalar as PostgreSQL expects it: booleans become on/off. */
  static String scalar(Object value, String key) throws DriverException {
    if (value instanceof Boolean b) {
      return b ? "on" : "off";
    }
    if (value instanceof String || value instanceof Number) {
      String s = value.toString();
      if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\0') >= 0) {
        throw new DriverException(Kind.INVALID_CONFIG, key + " must not contain line breaks");
      }
      return s;
    }
    throw new DriverException(Kind.INVALID_CONFIG,
        key + " must be a string, number or boolean, got " + (value == null ? "nothing" : value.getClass().getSimpleName()));
  }

  /**
   * A value handed to a script as {@code --name=value}, written as Patroni (Python) writes it, so a script
   * made for Patroni reads the same text: booleans are {@code True} and {@code False}.
   */
  static String scriptArgument(Object value, String key) throws DriverException {
    if (value instanceof Boolean b) {
      return b ? "True" : "False";
    }
    return scalar(value, key);
  }

  /** One {@code key=value} pair of a libpq connection string. */
  static String conninfoPair(String key, String value) {
    boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '\\' || Character.isWhitespace(c));
    String v = plain ? value : "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    return key + "=" + v;
  }

  /** An SQL string literal with standard_conforming_strings on (the default since 9.1). */
  static String sqlLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  /** An SQL identifier, always quoted so case and odd characters survive. */
  static String sqlIdentifier(String value) {
    return "\"" + value.replace("\"", "\"\"") + "\"";
  }

  /**
   * Splits a configured command line into arguments the way a POSIX shell splits words (single and
   * double quotes, backslash escapes) without running a shell: no globbing, variables or pipes.
   */
  static List<String> splitCommand(String command, String key) throws DriverException {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
          word.append(command.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < command.length()) {
        word.append(command.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          out.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new DriverException(Kind.INVALID_CONFIG, key + ": unbalanced " + quote + " in '" + command + "'");
    }
    if (inWord) {
      out.add(word.toString());
    }
    if (out.isEmpty()) {
      throw new DriverException(Kind.INVALID_CONFIG, key + " is empty");
    }
    return out;
  }
}
