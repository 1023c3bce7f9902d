package dev.primus.bench.failover;

import dev.primus.bench.EtcdProcess;
import dev.primus.bench.failover.Results.Scenario;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The failover benchmark of the issue: three PostgreSQL 15 members with Primus agents (separate
 * processes) on one etcd, on loopback, and — when Debian's Patroni is installed — the same with Patroni
 * on the same etcd and PostgreSQL binaries. Prints a table of figures and the targets of DESIGN section 7
 * next to them; it never fails on a figure.
 *
 * <p>Usage: {@code failover [-n N] [--idle-seconds S] [--only primus|patroni] [--settings default|fast|all]
 * [--keep]}. The script {@code bench/failover} builds the shaded runner jar and this project, and passes
 * {@code --runner-jar} and {@code --primus-script}.
 */
public final class FailoverBench {
  static final String OS_USER = "primus-pg";
  static final Path PATRONI = Path.of("/usr/bin/patroni");

  private FailoverBench() {}

  /** The command line. */
  record Options(int rounds, int idleSeconds, List<String> systems, List<String> settings, boolean keep,
      Path runnerJar, Path primusScript, int restLoad) {
    static final String USAGE = "usage: failover [--quick] [-n N (4)] [--idle-seconds S (60)] [--only primus|patroni]"
        + " [--settings default|fast|all (all)] [--rest-load R] [--keep]\n"
        + "  --quick   -n 2 --idle-seconds 30 (later options still apply); -n 0 measures the idle footprint only\n"
        + "  --rest-load R   Primus only, no idle footprint: each setting run twice, without and with R health checks\n"
        + "                  per second to every member (half GET /primary, half GET /replica) during the rounds";
    static final int ROUNDS = 4;
    static final int IDLE_SECONDS = 60;

    static Options parse(String[] args) {
      int rounds = ROUNDS;
      int idle = IDLE_SECONDS;
      List<String> systems = List.of("primus", "patroni");
      List<String> settings = List.of("default", "fast");
      boolean keep = false;
      Path jar = null;
      Path script = null;
      int restLoad = 0;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--keep")) {
          keep = true;
          continue;
        }
        if (a.equals("--quick")) {
          rounds = 2;
          idle = 30;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "-n" -> rounds = count(a, v);
          case "--idle-seconds" -> idle = positive(a, v);
          case "--only" -> systems = switch (v) {
            case "primus", "patroni" -> List.of(v);
            default -> throw new IllegalArgumentException("--only takes primus or patroni, got '" + v + "'");
          };
          case "--settings" -> settings = switch (v) {
            case "default", "fast" -> List.of(v);
            case "all" -> List.of("default", "fast");
            default -> throw new IllegalArgumentException("--settings takes default, fast or all, got '" + v + "'");
          };
          case "--rest-load" -> restLoad = positive(a, v);
          case "--runner-jar" -> jar = Path.of(v);
          case "--primus-script" -> script = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (restLoad > 0) {
        if (!systems.contains("primus")) {
          throw new IllegalArgumentException("--rest-load measures Primus only (its cycle log); drop --only patroni");
        }
        if (rounds == 0) {
          throw new IllegalArgumentException("--rest-load needs rounds: -n 1 or more");
        }
        systems = List.of("primus");
      }
      if (systems.contains("primus") && (jar == null || script == null)) {
        throw new IllegalArgumentException("--runner-jar and --primus-script are required (bench/failover passes them)");
      }
      return new Options(rounds, idle, systems, settings, keep, jar, script, restLoad);
    }

    /** -n 0 measures the idle footprint only. */
    private static int count(String option, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n >= 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new IllegalArgumentException(option + " takes a number of rounds (0 or more), got '" + v + "'");
    }

    private static int positive(String option, String v) {
      try {
        int n = Integer.parseInt(v);
        if (n > 0) {
          return n;
        }
      } catch (NumberFormatException e) {
        // Reported below.
      }
      throw new IllegalArgumentException(option + " takes a positive integer, got '" + v + "'");
    }
  }

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(Options.USAGE);
      return;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("failover: " + e.getMessage() + "\n" + Options.USAGE);
      System.exit(2);
      return;
    }
    Path pgBin = postgresBin();
    boolean root = "root".equals(System.getProperty("user.name"));
    String osUser = root ? OS_USER : "";
    if (root && !userExists(OS_USER)) {
      System.err.println("failover: running as root, PostgreSQL needs the user " + OS_USER
          + ": useradd --system --no-create-home --shell /usr/sbin/nologin " + OS_USER + " (see .ci/setup)");
      System.exit(1);
    }
    Optional<String> patroniMissing = patroniMissing();

    Reaper reaper = new Reaper();
    Path work = Files.createTempDirectory("primus-bench-failover-");
    Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    // Closed last: the data and logs go unless asked for, or unless a scenario failed (they say why).
    java.util.concurrent.atomic.AtomicBoolean keepWork = new java.util.concurrent.atomic.AtomicBoolean(o.keep());
    reaper.add(() -> {
      if (keepWork.get()) {
        System.err.println("failover: logs and data kept in " + work);
      } else {
        deleteTree(work);
      }
    });
    long started = System.nanoTime();
    PrintStream out = System.out;
    try {
      EtcdProcess[] etcdProcess = {reaper.add(EtcdProcess.start())};
      EtcdView[] etcd = {new EtcdView(etcdProcess[0].clientUrl(), etcdProcess[0].metricsUrl())};

      Optional<AgentKind> primus = Optional.empty();
      if (o.systems().contains("primus")) {
        // A private copy: a colleague rebuilding runner/ during the run must not swap classes under the agents.
        Path jar = work.resolve("primus-runner-all.jar");
        Files.copy(o.runnerJar(), jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        primus = Optional.of(new AgentKind.Primus(o.primusScript(), jar, osUser));
      }
      Optional<AgentKind> patroni = o.systems().contains("patroni") && patroniMissing.isEmpty()
          ? Optional.of(new AgentKind.Patroni(PATRONI, osUser)) : Optional.empty();

      out.printf(Locale.ROOT, "Primus failover benchmark, %s%n",
          LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")));
      out.printf(Locale.ROOT, "machine: %s, %d cores, %s; load average %s at start (1, 5, 15 min)%n", cpuModel(),
          Runtime.getRuntime().availableProcessors(), kernel(), loadAverage());
      out.printf(Locale.ROOT, "java: %s (%s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"));
      out.printf(Locale.ROOT, "parts: %s (1 member, separate process); PostgreSQL %s (%s); 3 members on loopback%n",
          etcdProcess[0].version(), postgresVersion(pgBin), pgBin);
      out.printf(Locale.ROOT, "agents: %s%s%n", primus.map(p -> "Primus (" + o.runnerJar().getFileName() + ")").orElse(""),
          patroni.map(p -> (o.systems().contains("primus") ? ", " : "") + patroniVersion()).orElse(""));
      if (o.restLoad() > 0) {
        out.println("Patroni comparison skipped: --rest-load measures Primus only");
      } else if (o.systems().contains("patroni") && patroniMissing.isPresent()) {
        out.println("Patroni comparison skipped: " + patroniMissing.get());
      } else if (!o.systems().contains("patroni")) {
        out.println("Patroni comparison skipped: --only primus");
      }
      if (o.restLoad() > 0) {
        out.printf(Locale.ROOT, "per run: %d unplanned failovers (kill -9 agent + postmaster) and %d switchovers"
            + " (POST /switchover); writer: one INSERT every %d ms; no idle window; each setting without health checks,"
            + " then with %d per second to every member (half GET /primary, half GET /replica, %d connections per"
            + " member and path, open loop, from this JVM)%n", o.rounds(), o.rounds(), Writer.PERIOD_MILLIS,
            o.restLoad(), RestLoad.CONNECTIONS);
        out.flush();
        RestLoadReport report = new RestLoadReport(out);
        for (String settings : o.settings()) {
          List<Scenario> runs = new java.util.ArrayList<>();
          for (int load : new int[] {0, o.restLoad()}) {
            if (!etcdProcess[0].alive()) {
              out.printf(Locale.ROOT, "note: etcd (pid %d) exited during the previous run, not stopped by the"
                  + " bench; a new etcd serves the rest of the run%n", etcdProcess[0].pid());
              reaper.close(etcdProcess[0]);
              etcdProcess[0] = reaper.add(EtcdProcess.start());
              etcd[0] = new EtcdView(etcdProcess[0].clientUrl(), etcdProcess[0].metricsUrl());
            }
            Timing t = settings.equals("default") ? Timing.PATRONI_DEFAULT : Timing.PRIMUS_SMALLEST;
            EtcdProcess server = etcdProcess[0];
            String label = settings + (load == 0 ? "-no-load" : "-rest-load");
            Scenario s = new ScenarioRun(primus.orElseThrow(), t, label, work.resolve("primus-" + label), etcd[0],
                server.clientUrl().getHost() + ":" + server.clientUrl().getPort(), pgBin, osUser, o.rounds(),
                Duration.ZERO, reaper, server::alive, load, false).run();
            runs.add(s);
            if (s.error().isPresent() || Stream.concat(s.failovers().stream(), s.switchovers().stream())
                .anyMatch(r -> r.note().isPresent())) {
              keepWork.set(true);
            }
          }
          report.block(settings, runs);
          out.flush();
        }
        report.legend();
        out.printf(Locale.ROOT, "%nload average %s at the end (1, 5, 15 min); the run took %.1f min%n", loadAverage(),
            (System.nanoTime() - started) / 60e9);
        return;
      }
      out.printf(Locale.ROOT, "per row: %d unplanned failovers (kill -9 agent + postmaster) and %d switchovers"
          + " (POST /switchover); writer: one INSERT every %d ms; idle window %d s%n",
          o.rounds(), o.rounds(), Writer.PERIOD_MILLIS, o.idleSeconds());
      out.flush();

      for (String settings : o.settings()) {
        Optional<Scenario> p = Optional.empty();
        Optional<Scenario> q = Optional.empty();
        for (Optional<AgentKind> kind : List.of(primus, patroni)) {
          if (kind.isEmpty()) {
            continue;
          }
          if (!etcdProcess[0].alive()) {
            // On a shared machine someone's cleanup may kill it; the rest of the run still gets figures.
            out.printf(Locale.ROOT, "note: etcd (pid %d) exited during the previous scenario, not stopped by the"
                + " bench; a new etcd serves the rest of the run%n", etcdProcess[0].pid());
            reaper.close(etcdProcess[0]);
            etcdProcess[0] = reaper.add(EtcdProcess.start());
            etcd[0] = new EtcdView(etcdProcess[0].clientUrl(), etcdProcess[0].metricsUrl());
          }
          boolean isPrimus = kind.get() instanceof AgentKind.Primus;
          Timing t = settings.equals("default") ? Timing.PATRONI_DEFAULT
              : isPrimus ? Timing.PRIMUS_SMALLEST : Timing.PATRONI_SMALLEST;
          EtcdProcess server = etcdProcess[0];
          Scenario s = new ScenarioRun(kind.get(), t, settings,
              work.resolve(kind.get().name().toLowerCase(Locale.ROOT) + "-" + settings), etcd[0],
              server.clientUrl().getHost() + ":" + server.clientUrl().getPort(), pgBin, osUser, o.rounds(),
              Duration.ofSeconds(o.idleSeconds()), reaper, server::alive).run();
          if (isPrimus) {
            p = Optional.of(s);
          } else {
            q = Optional.of(s);
          }
          if (s.error().isPresent() || Stream.concat(s.failovers().stream(), s.switchovers().stream())
              .anyMatch(r -> r.note().isPresent())) {
            keepWork.set(true);
          }
        }
        new Report(out).block(settings, p, q, o.rounds());
        out.flush();
      }
      new Report(out).legend();
      out.printf(Locale.ROOT, "%nload average %s at the end (1, 5, 15 min); the run took %.1f min%n", loadAverage(),
          (System.nanoTime() - started) / 60e9);
    } finally {
      reaper.closeAll();
    }
  }

  /** {@code /usr/lib/postgresql/15/bin}, else the newest version installed there. */
  static Path postgresBin() {
    Path fifteen = Path.of("/usr/lib/postgresql/15/bin");
    if (Files.isExecutable(fifteen.resolve("pg_ctl"))) {
      return fifteen;
    }
    try (Stream<Path> s = Files.list(Path.of("/usr/lib/postgresql"))) {
      return s.map(d -> d.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString())))
          .orElseThrow();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("no PostgreSQL under /usr/lib/postgresql;"
          + " apt-get install -y --no-install-recommends postgresql-15 (see .ci/setup)");
    }
  }

  /** Why Patroni cannot be compared, or empty when it can. */
  static Optional<String> patroniMissing() {
    if (!Files.isExecutable(PATRONI)) {
      return Optional.of(PATRONI + " is not installed (apt-get install -y patroni python3-etcd, see .ci/setup)");
    }
    if (!Files.isDirectory(Path.of("/usr/lib/python3/dist-packages/etcd"))) {
      return Optional.of("python3-etcd is not installed; Patroni's etcd3 backend imports it"
          + " (apt-get install -y python3-etcd)");
    }
    return Optional.empty();
  }

  static String patroniVersion() {
    return run(PATRONI.toString(), "--version").replaceFirst("^patroni", "Patroni").strip();
  }

  static String postgresVersion(Path bin) {
    return run(bin.resolve("postgres").toString(), "--version").replaceFirst("^postgres \\(PostgreSQL\\) ", "").strip();
  }

  /** The first {@code model name} of {@code /proc/cpuinfo}. */
  static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  /** {@code uname -sr}. */
  static String kernel() {
    String k = run("uname", "-sr").strip();
    return k.isEmpty() ? "unknown kernel" : k;
  }

  /** {@code /proc/loadavg}'s three averages. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static boolean userExists(String user) {
    return run("id", "-u", user).strip().matches("\\d+");
  }

  private static String run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(20, TimeUnit.SECONDS);
      return out.lines().findFirst().orElse("");
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("failover: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
