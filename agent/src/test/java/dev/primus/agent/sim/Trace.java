package dev.primus.agent.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The last lines of what happened in one schedule, kept in a ring so a long run costs little; printed
 * when an invariant fails. Entries keep their objects (decisions, actions) and are formatted only when
 * printed, because a run records millions of them and prints almost none. Times are offsets from the
 * schedule's start, which reads better than instants next to ttl and loop_wait.
 */
final class Trace {
  private final Instant origin;
  private final Entry[] ring;
  private long total;

  Trace(Instant origin, int capacity) {
    this.origin = origin;
    this.ring = new Entry[capacity];
  }

  void add(Instant at, String who, Object what) {
    ring[(int) (total % ring.length)] = new Entry(at, who, what);
    total++;
  }

  String offset(Instant at) {
    Duration d = Duration.between(origin, at);
    return String.format("+%d.%03ds", d.getSeconds(), d.toMillisPart());
  }

  /** The last {@code n} lines, oldest first, formatted. */
  List<String> last(int n) {
    List<String> out = new ArrayList<>();
    long from = Math.max(0, Math.max(total - ring.length, total - n));
    for (long i = from; i < total; i++) {
      Entry e = ring[(int) (i % ring.length)];
      out.add(String.format("%11s %-6s %s", offset(e.at), e.who, e.what));
    }
    return out;
  }

  long total() {
    return total;
  }

  private record Entry(Instant at, String who, Object what) {}
}
