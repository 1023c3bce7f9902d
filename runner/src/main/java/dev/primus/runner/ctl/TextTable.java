package dev.primus.runner.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A text table in the frame style {@code patronictl} prints (Python's prettytable, one space of padding,
 * {@code +}, {@code -} and {@code |}), with the title written into the top border as patronictl does:
 *
 * <pre>
 * + Cluster: demo -----------+---------+
 * | Member | Host            | Role    |
 * +--------+-----------------+---------+
 * | node1  | 127.0.0.1:54321 | Replica |
 * +--------+-----------------+---------+
 * </pre>
 *
 * Columns are left-aligned unless named in {@code right}; headers follow their column's alignment. A
 * cell may hold several lines; then a rule is drawn between all rows, as prettytable does.
 */
final class TextTable {
  private TextTable() {}

  static String render(List<String> columns, List<List<String>> rows, java.util.Set<String> right,
      Optional<String> title) {
    Objects.requireNonNull(columns, "columns");
    int n = columns.size();
    int[] width = new int[n];
    boolean multiline = false;
    for (int c = 0; c < n; c++) {
      width[c] = columns.get(c).length();
    }
    for (List<String> row : rows) {
      for (int c = 0; c < n; c++) {
        String cell = c < row.size() ? row.get(c) : "";
        for (String line : cell.split("\n", -1)) {
          width[c] = Math.max(width[c], line.length());
        }
        multiline |= cell.contains("\n");
      }
    }
    StringBuilder rule = new StringBuilder("+");
    for (int c = 0; c < n; c++) {
      rule.append("-".repeat(width[c] + 2)).append('+');
    }
    String hrule = rule.toString();
    List<String> out = new ArrayList<>();
    out.add(title.map(t -> titled(hrule, t)).orElse(hrule));
    out.add(line(columns, width, columns, right));
    out.add(hrule);
    for (int r = 0; r < rows.size(); r++) {
      List<String> row = rows.get(r);
      int height = 1;
      List<String[]> cells = new ArrayList<>();
      for (int c = 0; c < n; c++) {
        String[] lines = (c < row.size() ? row.get(c) : "").split("\n", -1);
        cells.add(lines);
        height = Math.max(height, lines.length);
      }
      for (int h = 0; h < height; h++) {
        List<String> parts = new ArrayList<>();
        for (int c = 0; c < n; c++) {
          String[] lines = cells.get(c);
          parts.add(h < lines.length ? lines[h] : "");
        }
        out.add(line(parts, width, columns, right));
      }
      if (multiline && r + 1 < rows.size()) {
        out.add(hrule);
      }
    }
    out.add(hrule);
    return String.join("\n", out);
  }

  /** The top border with {@code title} written over it right after the first {@code +}. */
  static String titled(String border, String title) {
    String t = title.length() > border.length() - 2 ? title.substring(0, border.length() - 2) : title;
    return border.charAt(0) + t + border.substring(1 + t.length());
  }

  private static String line(List<String> cells, int[] width, List<String> columns, java.util.Set<String> right) {
    StringBuilder sb = new StringBuilder("|");
    for (int c = 0; c < width.length; c++) {
      String v = cells.get(c);
      String pad = " ".repeat(Math.max(0, width[c] - v.length()));
      sb.append(' ').append(right.contains(columns.get(c)) ? pad + v : v + pad).append(" |");
    }
    return sb.toString();
  }
}
