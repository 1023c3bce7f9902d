package dev.primus.runner.config;

import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;

/** "Did you mean ...?" for misspelt keys: the nearest known key by edit distance, if near enough. */
final class Suggestions {
  private Suggestions() {}

  /** The known key closest to {@code key}, if the distance is small compared with the key's length. */
  static Optional<String> nearest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    // sorted, so that ties resolve the same way every time
    for (String candidate : new TreeSet<>(known)) {
      int d = levenshtein(key.toLowerCase(java.util.Locale.ROOT), candidate.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = candidate;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    // a third of the length (at least 2) catches swapped, missing and extra letters without
    // suggesting unrelated keys for short typos
    int allowed = Math.max(2, Math.max(key.length(), best.length()) / 3);
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** The classic edit distance: insertions, deletions and substitutions, each costing 1. */
  static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
