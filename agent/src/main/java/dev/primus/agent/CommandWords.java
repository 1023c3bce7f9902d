package dev.primus.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * A configured command line cut into the words of its argv, as Patroni cuts its script commands
 * ({@code shlex.split}): blanks separate words, single quotes keep everything literally, double quotes keep
 * blanks and let a backslash escape {@code " \ $ `}, a backslash outside quotes keeps the next character.
 * No shell runs: no variables, globs, pipes or redirections.
 */
public final class CommandWords {
  private CommandWords() {}

  /**
   * @throws IllegalArgumentException if a quote is not closed or there is no word at all (the message says
   *                                  which; callers prefix the configuration key)
   */
  public static List<String> split(String command) {
    List<String> words = new ArrayList<>();
    StringBuilder current = null;
    int i = 0;
    int n = command.length();
    while (i < n) {
      char c = command.charAt(i);
      if (Character.isWhitespace(c)) {
        if (current != null) {
          words.add(current.toString());
          current = null;
        }
        i++;
        continue;
      }
      if (current == null) {
        current = new StringBuilder();
      }
      if (c == '\'') {
        int close = command.indexOf('\'', i + 1);
        if (close < 0) {
          throw new IllegalArgumentException("the ' opened at character " + (i + 1) + " is never closed");
        }
        current.append(command, i + 1, close);
        i = close + 1;
      } else if (c == '"') {
        i = doubleQuoted(command, i, current);
      } else if (c == '\\') {
        if (i + 1 < n) {
          current.append(command.charAt(i + 1));
        }
        i += 2;
      } else {
        current.append(c);
        i++;
      }
    }
    if (current != null) {
      words.add(current.toString());
    }
    if (words.isEmpty()) {
      throw new IllegalArgumentException("no command");
    }
    return words;
  }

  /** Appends the contents of the double-quoted part opening at {@code open}; returns the index after it. */
  private static int doubleQuoted(String command, int open, StringBuilder out) {
    for (int i = open + 1; i < command.length(); i++) {
      char c = command.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < command.length() && "\"\\$`".indexOf(command.charAt(i + 1)) >= 0) {
        out.append(command.charAt(++i));
      } else {
        out.append(c);
      }
    }
    throw new IllegalArgumentException("the \" opened at character " + (open + 1) + " is never closed");
  }
}
