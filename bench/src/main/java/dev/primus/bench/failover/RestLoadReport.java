package dev.primus.bench.failover;

import dev.primus.bench.failover.Results.Phase;
import dev.primus.bench.failover.Results.Round;
import dev.primus.bench.failover.Results.Scenario;
import dev.primus.bench.failover.Results.Spread;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The table of {@code --rest-load}: the same failovers and switchovers without and with health checks
 * hammering every member, and per phase what the checks got, how long the failover or switchover took, and
 * how long the HA loop's cycles took and how late they began.
 */
final class RestLoadReport {
  private static final String ROW = "  %-10s %-6s %9s %8s %8s %8s  %-25s %-19s %-19s %-25s %-23s %6s%n";

  private final PrintStream out;

  RestLoadReport(PrintStream out) {
    this.out = out;
  }

  void block(String settings, List<Scenario> runs) {
    out.println();
    Timing t = runs.get(0).timing();
    out.printf(Locale.ROOT, "== %s (%s): Primus, health checks off and on ==%n", settings, t);
    out.printf(ROW, "phase", "checks", "answers/s", "not 200", "refused", "failed", "check latency p50/p99/max",
        "new leader (s)", "writes unavail. (s)", "cycle p50/p99/max", "cycle delay p50/p99/max", "cycles");
    out.printf(ROW, "", "/s/mbr", "", "", "", "", "(ms)", "median [min-max]", "median [min-max]", "(ms)", "(ms)", "");
    for (String phase : List.of("failover", "switchover")) {
      for (Scenario s : runs) {
        Optional<Phase> p = s.phases().stream().filter(x -> x.name().equals(phase)).findFirst();
        List<Round> rounds = phase.equals("failover") ? s.failovers() : s.switchovers();
        Optional<RestLoad.Figures> f = p.flatMap(Phase::rest);
        out.printf(ROW, phase, s.restLoad() == 0 ? "off" : Integer.toString(s.restLoad()),
            f.map(x -> String.format(Locale.ROOT, "%.0f", x.answeredPerSecond())).orElse("-"),
            f.map(x -> Long.toString(x.non200())).orElse("-"), f.map(x -> Long.toString(x.refused())).orElse("-"),
            f.map(x -> Long.toString(x.errors())).orElse("-"), f.map(x -> x.latency().format()).orElse("-"),
            spread(rounds, Round::newLeaderSeconds), spread(rounds, Round::unavailableSeconds),
            p.map(x -> x.cycles().format()).orElse("not measured"), p.map(x -> x.delays().format()).orElse("not measured"),
            p.map(x -> Long.toString(x.cycles().count())).orElse("-"));
      }
    }
    for (Scenario s : runs) {
      s.error().ifPresent(e -> out.printf(Locale.ROOT, "  health checks %s: run stopped early: %s%n",
          s.restLoad() == 0 ? "off" : "on", e));
      for (List<Round> rounds : List.of(s.failovers(), s.switchovers())) {
        for (Round r : rounds) {
          r.note().ifPresent(n -> out.printf(Locale.ROOT, "  health checks %s: %s%n", s.restLoad() == 0 ? "off" : "on", n));
        }
      }
      out.printf(Locale.ROOT, "  health checks %s: load average %s -> %s, took %.1f min%n",
          s.restLoad() == 0 ? "off" : "on", s.loadBefore().split(" ")[0], s.loadAfter().split(" ")[0], s.seconds() / 60);
    }
  }

  void legend() {
    out.println();
    out.println("How to read the table:");
    for (String line : List.of(
        "Each row is one phase of one run: the failover rounds (kill -9 of the primary's agent and postmaster, the",
        "  member restarted and rejoined before the next round) or the switchover rounds (POST /switchover), from",
        "  the start of the first round to the end of the last, rejoins included. Each run is a cluster of its own.",
        "checks /s/mbr     health checks sent per second to each member, half GET /primary, half GET /replica, at a",
        "                  fixed rate (open loop: a request is due at its moment whatever became of the ones before)",
        "answers/s         health checks answered (any HTTP status) per second, all members together",
        "not 200           answers other than 200: a replica's /primary, a primary's /replica, a member changing role",
        "refused / failed  connections refused (the killed member is down) / timeouts and resets: no latency",
        "check latency     from the moment a request was due until its answer was read, so waiting for a busy",
        "                  connection counts; nearest-rank p50 and p99, and the maximum, in ms",
        "new leader        kill or request until the DCS leader key names another member (polled every 20 ms)",
        "writes unavail.   the longest gap between two acknowledged INSERTs (one every " + Writer.PERIOD_MILLIS
            + " ms) around the event",
        "cycle             how long each HA loop cycle took (observe, decide, act; promotions and restarts run beside",
        "                  the loop), all three agents together, from each agent's DEBUG line per cycle",
        "cycle delay       how long after it was due each cycle began: a loop held up by the load shows it here",
        "cycles            the number of cycles in the phase")) {
      out.println("  " + line);
    }
  }

  private static String spread(List<Round> rounds, ToDoubleFunction<Round> value) {
    return Report.spread(rounds, value).map(RestLoadReport::format).orElse("-");
  }

  private static String format(Spread s) {
    return String.format(Locale.ROOT, "%.2f [%.2f-%.2f]", s.median(), s.min(), s.max());
  }
}
