package dev.primus.runner.ctl;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts, line by line, with three lines of context (the format {@code diff -u}
 * and Python's {@code difflib.unified_diff} print): {@code --- }/{@code +++ } headers, then
 * {@code @@ -a,b +c,d @@} hunks. Texts here are configurations of a few dozen lines, so a plain
 * longest-common-subsequence table is fast enough.
 */
final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  /** The diff, or an empty string when the texts are equal. */
  static String diff(String before, String after, String fromLabel, String toLabel) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    List<int[]> ops = script(a, b); // each: {kind, indexA, indexB}; kind 0 equal, 1 delete, 2 insert
    if (ops.stream().allMatch(o -> o[0] == 0)) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(fromLabel).append('\n');
    out.append("+++ ").append(toLabel).append('\n');
    int i = 0;
    while (i < ops.size()) {
      // find the next change
      int start = i;
      while (start < ops.size() && ops.get(start)[0] == 0) {
        start++;
      }
      if (start == ops.size()) {
        break;
      }
      int hunkStart = Math.max(i, start - CONTEXT);
      int end = start;
      int lastChange = start;
      while (end < ops.size()) {
        if (ops.get(end)[0] != 0) {
          lastChange = end;
        } else if (end - lastChange > 2 * CONTEXT) {
          break;
        }
        end++;
      }
      int hunkEnd = Math.min(ops.size(), lastChange + 1 + CONTEXT);
      int aStart = -1;
      int bStart = -1;
      int aLen = 0;
      int bLen = 0;
      StringBuilder body = new StringBuilder();
      for (int k = hunkStart; k < hunkEnd; k++) {
        int[] o = ops.get(k);
        if (o[0] == 0) {
          body.append(' ').append(a.get(o[1])).append('\n');
          aLen++;
          bLen++;
          aStart = aStart < 0 ? o[1] : aStart;
          bStart = bStart < 0 ? o[2] : bStart;
        } else if (o[0] == 1) {
          body.append('-').append(a.get(o[1])).append('\n');
          aLen++;
          aStart = aStart < 0 ? o[1] : aStart;
          bStart = bStart < 0 ? o[2] : bStart;
        } else {
          body.append('+').append(b.get(o[2])).append('\n');
          bLen++;
          aStart = aStart < 0 ? o[1] : aStart;
          bStart = bStart < 0 ? o[2] : bStart;
        }
      }
      out.append("@@ -").append(range(aStart, aLen)).append(" +").append(range(bStart, bLen)).append(" @@\n");
      out.append(body);
      i = hunkEnd;
    }
    return out.toString();
  }

  private static String range(int start, int len) {
    int first = start + 1;
    if (len == 0) {
      first--;
    }
    return len == 1 ? String.valueOf(first) : first + "," + len;
  }

  private static List<String> lines(String s) {
    String t = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    List<String> out = new ArrayList<>();
    if (t.isEmpty()) {
      return out;
    }
    for (String line : t.split("\n", -1)) {
      out.add(line);
    }
    return out;
  }

  /** The edit script: equal, delete and insert steps with their positions in a and b. */
  private static List<int[]> script(List<String> a, List<String> b) {
    int n = a.size();
    int m = b.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<int[]> ops = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a.get(i).equals(b.get(j))) {
        ops.add(new int[] {0, i++, j++});
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add(new int[] {1, i++, j});
      } else {
        ops.add(new int[] {2, i, j++});
      }
    }
    return ops;
  }
}
