package dev.primus.runner.e2e;

import dev.primus.ha.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The partition matrix of issue 11: every {@link PartitionScenarios.Scenario} in asynchronous, then in
 * synchronous mode, on one {@link PartitionCluster}, and the table of what each did to the writes. Run by
 * {@code bench/partitions}; lives with the end-to-end tests because it is their harness.
 *
 * <pre>
 *   --ttl 10 --loop-wait 2 --retry-timeout 3     the cluster's timings (default 10/2/3)
 *   --modes async,sync                           which modes, in this order
 *   --scenarios isolate_primary,flapping,...     which scenarios (default: all), by enum name
 *   --heal-limit 120                             seconds to wait for the cluster to be whole after healing
 * </pre>
 * Progress and each row's details go to stderr, the table to stdout. Exit status 0 whatever the figures
 * (a bench measures), 2 if the harness cannot run here.
 */
public final class PartitionBench {
  private PartitionBench() {}

  public static void main(String[] args) throws Exception {
    long ttl = 10;
    long loopWait = 2;
    long retryTimeout = 3;
    long healLimit = 120;
    List<PartitionScenarios.Mode> modes = List.of(PartitionScenarios.Mode.ASYNC, PartitionScenarios.Mode.SYNC);
    List<PartitionScenarios.Scenario> scenarios = List.of(PartitionScenarios.Scenario.values());
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--ttl" -> ttl = Long.parseLong(v);
        case "--loop-wait" -> loopWait = Long.parseLong(v);
        case "--retry-timeout" -> retryTimeout = Long.parseLong(v);
        case "--heal-limit" -> healLimit = Long.parseLong(v);
        case "--modes" -> modes = Arrays.stream(v.split(",")).map(s -> PartitionScenarios.Mode.valueOf(
            s.strip().toUpperCase(Locale.ROOT))).toList();
        case "--scenarios" -> scenarios = Arrays.stream(v.split(",")).map(s -> PartitionScenarios.Scenario.valueOf(
            s.strip().toUpperCase(Locale.ROOT))).toList();
        case "-h", "--help" -> {
          System.out.println("bench/partitions [--ttl S] [--loop-wait S] [--retry-timeout S] [--heal-limit S]"
              + " [--modes async,sync] [--scenarios " + String.join(",", Arrays.stream(
                  PartitionScenarios.Scenario.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList()) + "]");
          return;
        }
        default -> throw new IllegalArgumentException("unknown option " + a + " (--help)");
      }
      i++;
    }
    Optional<String> why = PartitionCluster.unavailable();
    if (why.isPresent()) {
      System.err.println("partitions: cannot run here: " + why.get());
      System.exit(2);
    }
    Timings timings = new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait),
        Duration.ofSeconds(retryTimeout));
    List<PartitionScenarios.Row> rows = new ArrayList<>();
    try (PartitionCluster cluster = PartitionCluster.start("partitions", timings)) {
      PartitionScenarios run = new PartitionScenarios(cluster, Duration.ofSeconds(healLimit), System.err::println);
      run.boot(Duration.ofSeconds(240));
      for (PartitionScenarios.Mode m : modes) {
        run.mode(m);
        for (PartitionScenarios.Scenario s : scenarios) {
          try {
            rows.add(run.run(s));
          } catch (Exception | AssertionError e) {
            System.err.println("partitions: " + s.title + " (" + m.label() + ") could not be measured: " + e);
          }
          System.err.print(PartitionScenarios.table(rows, cluster));
        }
      }
      System.out.print(PartitionScenarios.table(rows, cluster));
    }
  }
}
