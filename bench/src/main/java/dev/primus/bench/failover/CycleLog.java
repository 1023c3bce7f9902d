package dev.primus.bench.failover;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Primus agent's line per HA loop cycle, written at DEBUG by the logger {@value #LOGGER} (which the
 * bench turns on with {@code log.loggers}): {@code loop cycle took 12.3 ms, began 0.4 ms after it was due}.
 */
final class CycleLog {
  static final String LOGGER = "dev.primus.agent.cycle";
  private static final Pattern LINE = Pattern.compile("loop cycle took ([0-9.]+) ms, began ([0-9.]+) ms after it was due");

  private CycleLog() {}

  /** The cycles' durations and delays, in milliseconds, from the log lines (others are ignored). */
  static Cycles parse(List<String> lines) {
    List<Double> took = new ArrayList<>();
    List<Double> late = new ArrayList<>();
    for (String l : lines) {
      Matcher m = LINE.matcher(l);
      if (m.find()) {
        took.add(Double.parseDouble(m.group(1)));
        late.add(Double.parseDouble(m.group(2)));
      }
    }
    return new Cycles(RestLoad.Quantiles.ofMillis(took.stream().mapToDouble(Double::doubleValue).toArray()),
        RestLoad.Quantiles.ofMillis(late.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  /** Durations and delays of the cycles found. */
  record Cycles(RestLoad.Quantiles took, RestLoad.Quantiles late) {}
}
