package dev.primus.bench;

import java.util.Arrays;
import java.util.Objects;

/**
 * The latencies of one operation, in nanoseconds, and their order statistics.
 *
 * @param operation what was timed, for the table
 * @param nanos     one sample per measured iteration (warm-up excluded)
 */
record Series(String operation, long[] nanos) {
  Series {
    Objects.requireNonNull(operation, "operation");
    if (nanos.length == 0) {
      throw new IllegalArgumentException("no samples for " + operation);
    }
    nanos = nanos.clone();
    Arrays.sort(nanos);
  }

  /** The middle sample; the mean of the two middle ones for an even count. */
  long median() {
    int n = nanos.length;
    return n % 2 == 1 ? nanos[n / 2] : (nanos[n / 2 - 1] + nanos[n / 2]) / 2;
  }

  /** The nearest-rank percentile: the smallest sample at least {@code p} percent of samples do not exceed. */
  long percentile(double p) {
    int rank = (int) Math.ceil(p / 100.0 * nanos.length);
    return nanos[Math.max(0, Math.min(nanos.length - 1, rank - 1))];
  }

  long max() {
    return nanos[nanos.length - 1];
  }

  int count() {
    return nanos.length;
  }
}
