package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code synchronous_standby_names}, rendered from and parsed into its parts: the standby names in
 * priority order, how many each commit waits for, and whether the form is quorum ({@code ANY n (...)}).
 * The forms are PostgreSQL's: {@code ''}, a plain list ({@code FIRST 1}), {@code n (...)},
 * {@code FIRST n (...)}, {@code ANY n (...)}; names are identifiers, double-quoted names or {@code *}.
 *
 * @param members names, unquoted; {@code *} stays {@code *}
 * @param count   how many of them a commit waits for; 0 when there are none
 * @param quorum  the {@code ANY} form
 */
record SyncStandbyNames(List<String> members, int count, boolean quorum) {
  static final SyncStandbyNames OFF = new SyncStandbyNames(List.of(), 0, false);

  private static final Pattern TOKEN = Pattern.compile(
      "\\s*(?:(?<quoted>\"(?:[^\"]|\"\")*\")|(?<word>[A-Za-z_\\u0080-\\uffff][A-Za-z0-9_$\\u0080-\\uffff]*)"
          + "|(?<num>[0-9]+)|(?<sym>[*,()]))");

  SyncStandbyNames {
    members = List.copyOf(members);
  }

  /**
   * The setting for every commit waiting for {@code count} of {@code members} ({@code FIRST} or, with
   * {@code quorum}, {@code ANY}); {@code *} is left unquoted (quoted it would name a standby called *).
   */
  static String render(List<String> members, int count, boolean quorum) throws DriverException {
    if (members.isEmpty()) {
      return "";
    }
    if (count < 1) {
      throw new DriverException(DriverException.Kind.INVALID_CONFIG,
          "synchronous standby count must be at least 1, got " + count);
    }
    List<String> names = new ArrayList<>();
    for (String m : members) {
      names.add(m.equals("*") ? "*" : Quoting.sqlIdentifier(m));
    }
    return (quorum ? "ANY " : "FIRST ") + Math.min(count, members.size()) + " ("
        + names.stream().collect(Collectors.joining(",")) + ")";
  }

  /** Parses a value the server reports; empty if it is not one PostgreSQL would accept. */
  static Optional<SyncStandbyNames> parse(String value) {
    List<String[]> tokens = new ArrayList<>();
    Matcher m = TOKEN.matcher(value);
    int at = 0;
    while (at < value.length()) {
      if (value.substring(at).isBlank()) {
        break;
      }
      if (!m.find(at) || m.start() != at) {
        return Optional.empty();
      }
      if (m.group("quoted") != null) {
        String q = m.group("quoted");
        tokens.add(new String[] {"name", q.substring(1, q.length() - 1).replace("\"\"", "\"")});
      } else if (m.group("word") != null) {
        tokens.add(new String[] {"word", m.group("word")});
      } else if (m.group("num") != null) {
        tokens.add(new String[] {"num", m.group("num")});
      } else {
        tokens.add(new String[] {m.group("sym"), m.group("sym")});
      }
      at = m.end();
    }
    if (tokens.isEmpty()) {
      return Optional.of(OFF);
    }
    boolean quorum = false;
    int count = 1;
    int from = 0;
    int to = tokens.size();
    String first = tokens.get(0)[0].equals("word") ? tokens.get(0)[1].toUpperCase(java.util.Locale.ROOT) : "";
    boolean keyword = (first.equals("ANY") || first.equals("FIRST")) && tokens.size() > 2
        && tokens.get(1)[0].equals("num") && tokens.get(2)[0].equals("(");
    if (keyword || tokens.get(0)[0].equals("num")) {
      int n = keyword ? 1 : 0;
      if (tokens.size() < n + 3 || !tokens.get(n)[0].equals("num") || !tokens.get(n + 1)[0].equals("(")
          || !tokens.get(to - 1)[0].equals(")")) {
        return Optional.empty();
      }
      quorum = first.equals("ANY") && keyword;
      try {
        count = Integer.parseInt(tokens.get(n)[1]);
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      from = n + 2;
      to = to - 1;
    }
    List<String> members = new ArrayList<>();
    for (int i = from; i < to; i++) {
      String[] t = tokens.get(i);
      boolean even = (i - from) % 2 == 0;
      if (even && (t[0].equals("name") || t[0].equals("word") || t[0].equals("*"))) {
        members.add(t[1]);
      } else if (!even && t[0].equals(",") && i + 1 < to) {
        continue;
      } else {
        return Optional.empty();
      }
    }
    if (members.isEmpty() || count < 1) {
      return Optional.empty();
    }
    return Optional.of(new SyncStandbyNames(members, Math.min(count, members.size()), quorum));
  }
}
