package dev.primus.dcs.compat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first table {@code patronictl} printed (Python's prettytable in Patroni's frame style), as
 * cells, so tests assert values rather than substrings:
 *
 * <pre>
 * + Cluster: demo -----------+---------+---------+----+-----------+   &lt;- top border, title inside
 * | Member | Host            | Role    | State   | TL | Lag in MB |   &lt;- header
 * +--------+-----------------+---------+---------+----+-----------+   &lt;- column boundaries
 * | node1  | 127.0.0.1:54321 | Replica | running |  1 |         0 |
 * +--------+-----------------+---------+---------+----+-----------+
 *  Maintenance mode: on                                               &lt;- trailer (service info)
 * </pre>
 *
 * Cells are cut at the {@code +} positions of the border under the header (not split on {@code |},
 * which a value may contain) and stripped. When a cell has several lines (member tags), prettytable
 * draws a border between every row; then consecutive lines form one row and a cell's lines are
 * joined with {@code \n}.
 *
 * @param preamble lines before the table ({@code Current cluster topology})
 * @param title    the text in the top border ({@code Cluster: demo}), if any
 * @param columns  the header cells
 * @param rows     each row as column name to cell text, in printed order
 * @param trailer  the indented lines right after the table, without the one-space indent
 */
public record CtlTable(
    List<String> preamble, Optional<String> title, List<String> columns, List<Map<String, String>> rows,
    List<String> trailer) {

  /** A title overwrites the start of the top border: {@code "+" + " Cluster: demo " + "---+..."}. */
  private static final Pattern TITLED_BORDER = Pattern.compile("^\\+ (.*?) -*\\+[-+]*$");
  private static final Pattern PLAIN_BORDER = Pattern.compile("^\\+[-+]+\\+$");

  public CtlTable {
    preamble = List.copyOf(preamble);
    Objects.requireNonNull(title, "title");
    columns = List.copyOf(columns);
    rows = rows.stream().map(r -> Collections.unmodifiableMap(new LinkedHashMap<>(r))).toList();
    trailer = List.copyOf(trailer);
  }

  /**
   * Parses the first table in {@code output}.
   *
   * @throws IllegalArgumentException if there is no well-formed table, with the output in the message
   */
  public static CtlTable parse(String output) {
    List<String> lines = output.lines().toList();
    int top = 0;
    while (top < lines.size() && !lines.get(top).startsWith("+")) {
      top++;
    }
    if (top + 2 >= lines.size()) {
      throw bad("no table", output);
    }
    Optional<String> title = Optional.empty();
    if (!PLAIN_BORDER.matcher(lines.get(top)).matches()) {
      Matcher m = TITLED_BORDER.matcher(lines.get(top));
      if (!m.matches()) {
        throw bad("the table's top border is malformed: " + lines.get(top), output);
      }
      title = Optional.of(m.group(1).strip());
    }
    int headerRule = top + 1;
    while (headerRule < lines.size() && lines.get(headerRule).startsWith("|")) {
      headerRule++;
    }
    if (headerRule == top + 1 || headerRule >= lines.size() || !PLAIN_BORDER.matcher(lines.get(headerRule)).matches()) {
      throw bad("no header row followed by a border", output);
    }
    String rule = lines.get(headerRule);
    List<Integer> cuts = new ArrayList<>();
    for (int i = 0; i < rule.length(); i++) {
      if (rule.charAt(i) == '+') {
        cuts.add(i);
      }
    }
    List<String> columns = joinCells(lines.subList(top + 1, headerRule), cuts, output);

    int bottom = headerRule + 1;
    List<List<String>> groups = new ArrayList<>();
    List<String> current = new ArrayList<>();
    boolean ruleBetweenRows = false;
    for (; bottom < lines.size(); bottom++) {
      String line = lines.get(bottom);
      if (line.startsWith("|")) {
        current.add(line);
      } else if (line.equals(rule)) {
        if (!current.isEmpty()) {
          groups.add(current);
          current = new ArrayList<>();
        }
        // A border followed by another row means every row is framed (multi-line cells).
        if (bottom + 1 < lines.size() && lines.get(bottom + 1).startsWith("|")) {
          ruleBetweenRows = true;
          continue;
        }
        break;
      } else {
        throw bad("unexpected line inside the table: " + line, output);
      }
    }
    if (bottom >= lines.size()) {
      throw bad("the table has no bottom border", output);
    }
    List<Map<String, String>> rows = new ArrayList<>();
    for (List<String> group : groups) {
      // Without borders between rows, each printed line is a row of its own.
      List<List<String>> perRow = ruleBetweenRows ? List.of(group) : group.stream().map(List::of).toList();
      for (List<String> rowLines : perRow) {
        List<String> cells = joinCells(rowLines, cuts, output);
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
          row.put(columns.get(i), cells.get(i));
        }
        rows.add(row);
      }
    }
    List<String> trailer = new ArrayList<>();
    for (int i = bottom + 1; i < lines.size() && lines.get(i).startsWith(" "); i++) {
      trailer.add(lines.get(i).substring(1));
    }
    return new CtlTable(lines.subList(0, top), title, columns, rows, trailer);
  }

  /** The cells of one row drawn on {@code rowLines}: each cell's lines stripped, joined by newlines. */
  private static List<String> joinCells(List<String> rowLines, List<Integer> cuts, String output) {
    List<StringBuilder> cells = new ArrayList<>();
    for (int c = 0; c + 1 < cuts.size(); c++) {
      cells.add(new StringBuilder());
    }
    for (String line : rowLines) {
      if (line.length() != cuts.get(cuts.size() - 1) + 1) {
        throw bad("a row is not as wide as the table's borders: " + line, output);
      }
      for (int c = 0; c + 1 < cuts.size(); c++) {
        if (line.charAt(cuts.get(c)) != '|') {
          throw bad("a row has no column separator where the border has one: " + line, output);
        }
        String part = line.substring(cuts.get(c) + 1, cuts.get(c + 1)).strip();
        if (!part.isEmpty()) {
          StringBuilder b = cells.get(c);
          b.append(b.length() > 0 ? "\n" : "").append(part);
        }
      }
    }
    return cells.stream().map(StringBuilder::toString).toList();
  }

  private static IllegalArgumentException bad(String why, String output) {
    return new IllegalArgumentException("not a patronictl table (" + why + "):\n" + output);
  }

  /** The one row whose {@code column} holds {@code value}. */
  public Map<String, String> row(String column, String value) {
    List<Map<String, String>> hits = rows.stream().filter(r -> value.equals(r.get(column))).toList();
    if (hits.size() != 1) {
      throw new AssertionError("expected one row with " + column + " = " + value + ", found " + hits.size() + " in "
          + rows);
    }
    return hits.get(0);
  }

  /** Every cell of {@code column}, top to bottom. */
  public List<String> column(String name) {
    if (!columns.contains(name)) {
      throw new AssertionError("no column '" + name + "' in " + columns);
    }
    return rows.stream().map(r -> r.get(name)).toList();
  }
}
