package dev.primus.runner.demo;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.DcsException;
import dev.primus.ha.Timings;
import dev.primus.runner.wiring.CommandContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code primus demo}: a three-member PostgreSQL cluster on this machine, on a ZooKeeper server inside
 * this JVM, showing what Primus is for. Each step is printed with its timing:
 * <ol>
 *   <li>ZooKeeper starts; three agents start as separate processes and bootstrap one primary and two
 *       streaming replicas (the {@code primus ctl list} table);
 *   <li>a writer inserts a row every 50 ms into whoever is primary;
 *   <li>the primary is killed (SIGKILL of its agent and of its postmaster): the new leader, the time from
 *       the kill to it, how long writes failed, and how many acknowledged writes the new primary lacks;
 *   <li>the old primary's agent starts again and rejoins (pg_rewind when its WAL diverged);
 *   <li>a switchover through the leader's REST API ({@code POST /switchover});
 *   <li>the table and the timeline history again; then everything is stopped and deleted.
 * </ol>
 * Cleanup also runs on Ctrl-C and on failure. Nothing is installed unless asked: a missing PostgreSQL or
 * OS user is reported with the exact command, and exit status 1.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a local 3-node cluster (PostgreSQL 15, an in-process ZooKeeper) and show a failover,"
        + " a rejoin and a switchover, with timings; then clean up.")
public final class DemoCommand implements Callable<Integer> {
  static final String SCOPE = "primus-demo";
  static final Duration WRITE_INTERVAL = Duration.ofMillis(50);
  /** initdb, three starts and two base backups on a slow machine. */
  static final Duration BOOT_LIMIT = Duration.ofSeconds(240);
  static final Duration REJOIN_LIMIT = Duration.ofSeconds(180);
  static final Duration SWITCHOVER_LIMIT = Duration.ofSeconds(90);
  /** Names the shaded jar the agents run from when the demo itself does not run from it (tests). */
  static final String JAR_PROPERTY = "primus.runner.jar";

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The process it runs in (null when the command is built alone, in tests). */
  @picocli.CommandLine.ParentCommand
  CommandContext parent;

  @Option(names = "--ttl", defaultValue = "10", paramLabel = "SECONDS",
      description = "leader lock ttl (default: ${DEFAULT-VALUE}); loop_wait + 2 * retry_timeout must not exceed it")
  int ttl;

  @Option(names = "--loop-wait", defaultValue = "2", paramLabel = "SECONDS",
      description = "seconds between HA cycles (default: ${DEFAULT-VALUE})")
  int loopWait;

  @Option(names = "--retry-timeout", defaultValue = "3", paramLabel = "SECONDS",
      description = "DCS and database retry deadline (default: ${DEFAULT-VALUE})")
  int retryTimeout;

  @Option(names = "--keep", description = "keep the temporary directory (data, configs, logs) at the end")
  boolean keep;

  @Option(names = "--install-missing", description = "run 'apt-get install -y " + Prerequisites.PACKAGE
      + "' if the PostgreSQL server binaries are missing (otherwise the demo prints the command and stops)")
  boolean installMissing;

  @Option(names = "--create-os-user", description = "when running as root, create the user '" + Prerequisites.OS_USER
      + "' PostgreSQL runs as if it is missing (otherwise the demo prints the command and stops)")
  boolean createOsUser;

  /** Where the PostgreSQL versions are installed; a field so a test can point it at an empty directory. */
  Path postgresRoot = Prerequisites.POSTGRES_ROOT;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Timings timings;
    try {
      timings = new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(retryTimeout));
      // The demo is meant to show a safe setup: it keeps the rule that the agents would otherwise bound.
      if (!timings.followsRule()) {
        throw new IllegalArgumentException("--loop-wait " + loopWait + " + 2 * --retry-timeout " + retryTimeout
            + " > --ttl " + ttl + ": the demo runs only with timings that follow loop_wait + 2*retry_timeout <= ttl");
      }
    } catch (IllegalArgumentException e) {
      err.println("Error: " + e.getMessage());
      err.flush();
      return 2;
    }
    Optional<String> missing = prerequisites(out);
    if (missing.isPresent()) {
      err.println(missing.get());
      err.flush();
      return 1;
    }
    Optional<Path> jar = agentJar();
    if (jar.isEmpty()) {
      err.println("Error: the agents run from the shaded jar, and this demo does not run from one. Start it with"
          + " runner/bin/primus demo, or give the jar with -D" + JAR_PROPERTY + "=...");
      err.flush();
      return 1;
    }
    Optional<String> osUser = Prerequisites.isRoot() ? Optional.of(Prerequisites.OS_USER) : Optional.empty();
    DemoRun run = new DemoRun(out, timings, jar.get(), osUser, keep);
    Thread hook = new Thread(() -> {
      if (parent != null) {
        parent.markShuttingDown();
      }
      out.println();
      out.println("interrupted: cleaning up");
      run.cleanup();
    }, "primus-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      run.steps();
      return 0;
    } catch (StepFailed e) {
      out.println();
      out.println("FAILED: " + e.getMessage());
      run.printLogTails();
      return 1;
    } catch (RuntimeException | Error e) {
      // Anything unexpected still ends in the cleanup and a failed exit, never in a JVM left running
      // ZooKeeper's threads.
      out.println();
      out.println("FAILED: unexpected " + e);
      e.printStackTrace(out);
      run.printLogTails();
      return 1;
    } finally {
      run.cleanup();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C arrived meanwhile: the hook runs (or ran) the same idempotent cleanup.
      }
      out.flush();
    }
  }

  /** Checks (and, only when asked, fixes) what the machine needs; a message with the command when it cannot. */
  private Optional<String> prerequisites(PrintWriter out) throws IOException, InterruptedException {
    if (Prerequisites.postgresBinDir(postgresRoot).isEmpty()) {
      String cmd = Prerequisites.shell(Prerequisites.INSTALL);
      if (!installMissing) {
        return Optional.of("Error: the PostgreSQL server binaries are missing (" + postgresRoot
            + "/*/bin/postgres). Install them:\n  " + cmd + "\n(or run the demo with --install-missing to let it"
            + " run that command)");
      }
      out.println("PostgreSQL is missing; installing it as asked (--install-missing): " + cmd);
      int rc = Prerequisites.run(Prerequisites.INSTALL, out);
      if (rc != 0 || Prerequisites.postgresBinDir(postgresRoot).isEmpty()) {
        return Optional.of("Error: '" + cmd + "' failed (exit " + rc + "); if the package is unknown, run"
            + " 'apt-get update' first");
      }
    }
    if (Prerequisites.isRoot() && !Prerequisites.userExists(Prerequisites.OS_USER)) {
      String cmd = String.join(" ", Prerequisites.USERADD);
      if (!createOsUser) {
        return Optional.of("Error: PostgreSQL refuses to run as root, and the demo runs it as the user '"
            + Prerequisites.OS_USER + "', which does not exist. Create it:\n  " + cmd
            + "\n(or run the demo with --create-os-user to let it run that command)");
      }
      out.println("creating the user PostgreSQL runs as, as asked (--create-os-user): " + cmd);
      int rc = Prerequisites.run(Prerequisites.USERADD, out);
      if (rc != 0) {
        return Optional.of("Error: '" + cmd + "' failed (exit " + rc + ")");
      }
    }
    return Optional.empty();
  }

  /** The jar this command runs from (the agents are started from it), or {@code -Dprimus.runner.jar}. */
  static Optional<Path> agentJar() {
    String prop = System.getProperty(JAR_PROPERTY);
    if (prop != null && !prop.isBlank()) {
      return Optional.of(Path.of(prop)).filter(Files::isRegularFile);
    }
    try {
      var source = DemoCommand.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return Optional.empty();
      }
      Path p = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar") ? Optional.of(p) : Optional.empty();
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** A step that could not be completed; the message says what was expected and what was seen. */
  static final class StepFailed extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailed(String message) {
      super(message);
    }

    StepFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** One run of the demo: its directory, servers, processes and clock. */
  static final class DemoRun {
    private final PrintWriter out;
    private final Timings timings;
    private final Path jar;
    private final Optional<String> osUser;
    private final boolean keep;
    private final long startNanos = System.nanoTime();
    private final String password = "primus-demo";
    private final Object cleanupLock = new Object();
    private boolean cleanedUp;
    private Path base;
    private EmbeddedZooKeeper zookeeper;
    private LocalCluster cluster;
    private Writer writer;

    DemoRun(PrintWriter out, Timings timings, Path jar, Optional<String> osUser, boolean keep) {
      this.out = out;
      this.timings = timings;
      this.jar = jar;
      this.osUser = osUser;
      this.keep = keep;
    }

    // ------------------------------------------------------------------------------------ the steps

    void steps() throws StepFailed, InterruptedException {
      try {
        base = Files.createTempDirectory("primus-demo-");
      } catch (IOException e) {
        throw new StepFailed("cannot create a temporary directory: " + e.getMessage(), e);
      }
      out.printf("primus demo: three PostgreSQL members, three Primus agents, ZooKeeper in this JVM%n");
      out.printf("  ttl %d s, loop_wait %d s, retry_timeout %d s; everything under %s%s%n", ttl(), seconds(timings.loopWait()),
          seconds(timings.retryTimeout()), base, osUser.map(u -> "; PostgreSQL runs as " + u).orElse(""));
      out.println();

      // 1. The DCS. Its server logs warnings meant for ZooKeeper operators (connection limits left at their
      // defaults, clients that went away when an agent was killed): noise between the demo's lines.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.apache.zookeeper"))
          .setLevel(ch.qos.logback.classic.Level.ERROR);
      Instant t = Instant.now();
      try {
        zookeeper = EmbeddedZooKeeper.start(base.resolve("zookeeper"), 0);
      } catch (IOException e) {
        throw new StepFailed("ZooKeeper did not start: " + e.getMessage(), e);
      }
      step("1. ZooKeeper is running in this JVM on %s (%s)", zookeeper.connectString(), since(t));

      // 2. Three agents, one primary, two replicas.
      try {
        cluster = LocalCluster.create(new LocalCluster.Spec(SCOPE, 3, timings, base, osUser, jar, LocalCluster.LEAN_JVM,
            password), LocalCluster.Dcs.zookeeper(zookeeper.connectString()));
      } catch (IOException e) {
        throw new StepFailed("cannot lay out the cluster under " + base + ": " + e.getMessage(), e);
      }
      t = Instant.now();
      for (LocalCluster.Node n : cluster.nodes()) {
        try {
          AgentHandle a = cluster.startAgent(n.name());
          detail("%s: agent pid %d, REST API 127.0.0.1:%d, PostgreSQL 127.0.0.1:%d, log %s", n.name(), a.pid(),
              n.restPort(), n.pgPort(), n.log());
        } catch (IOException e) {
          throw new StepFailed("cannot start the agent of " + n.name() + ": " + e.getMessage(), e);
        }
      }
      step("2. three agents started; waiting for one primary and two streaming replicas");
      String leader = awaitHealthy(BOOT_LIMIT);
      Duration boot = Duration.between(t, Instant.now());
      detail("bootstrapped in %s: %s is the primary", fmt(boot), leader);
      table();

      // 3. The writer.
      try {
        Writer.createTable(cluster.target(leader), LocalCluster.SUPERUSER, password);
      } catch (SQLException e) {
        throw new StepFailed("cannot create the table on " + leader + ": " + e.getMessage(), e);
      }
      writer = new Writer(cluster::primaryTarget, LocalCluster.SUPERUSER, password, WRITE_INTERVAL);
      writer.start();
      await("the writer's first writes", Duration.ofSeconds(30), () -> writer.stats().acked() >= 40);
      Writer.Stats s = writer.stats();
      step("3. a writer inserts one row every %d ms into the primary: %d writes acknowledged so far, by %s",
          WRITE_INTERVAL.toMillis(), s.acked(), s.lastMember().orElse("?"));

      // 4. Kill the primary.
      String old = leader;
      long agentPid = cluster.agent(old).map(AgentHandle::pid).orElse(-1L);
      Instant killAt = Instant.now();
      cluster.killAgent(old);
      Optional<Long> pm = cluster.killPostmaster(old);
      step("4. killed the primary %s: SIGKILL to its agent (pid %d) and its postmaster (pid %s)", old, agentPid,
          pm.map(String::valueOf).orElse("?"));
      String next = awaitLeaderOtherThan(old, timings.ttl().multipliedBy(3).plusSeconds(30));
      Duration failover = Duration.between(killAt, Instant.now());
      detail("new leader: %s, %s after the kill (ttl %d s)", next, fmt(failover), ttl());
      await("writes to succeed on " + next, Duration.ofSeconds(60), () -> writer.wroteTo(next, killAt));
      Writer.Outage outage = writer.outageSince(killAt).orElse(null);
      Duration unavailable = outage == null ? Duration.ZERO : outage.length();
      detail("writes unavailable for %s (first failed write %s after the kill, first write on %s %s after it)",
          fmt(unavailable), outage == null ? "-" : fmt(Duration.between(killAt, outage.from())), next,
          outage == null ? "-" : fmt(Duration.between(killAt, outage.until().orElse(Instant.now()))));
      Loss lossAtFailover = loss(next);
      detail("acknowledged writes lost: %d of %d (the rows %s has of every write acknowledged so far)",
          lossAtFailover.lost(), lossAtFailover.acked(), next);

      // 5. The old primary comes back.
      int logOffset = cluster.log(old).length();
      Instant restartAt = Instant.now();
      try {
        cluster.startAgent(old);
      } catch (IOException e) {
        throw new StepFailed("cannot start the agent of " + old + " again: " + e.getMessage(), e);
      }
      step("5. restarted the agent of %s; waiting for it to rejoin as a replica of %s", old, next);
      long timeline = awaitRejoin(old, next);
      Duration rejoin = Duration.between(restartAt, Instant.now());
      String how = rejoinHow(cluster.log(old).substring(logOffset));
      detail("%s rejoined %s: running, streaming from %s on timeline %d, %s after the restart", old, how, next,
          timeline, fmt(rejoin));
      // The table once the third member streams on the new timeline too, not while it is still switching.
      awaitHealthy(REJOIN_LIMIT);
      table();

      // 6. Switchover through the REST API.
      String current = awaitHealthy(Duration.ofSeconds(60));
      String candidate = old.equals(current) ? cluster.names().stream().filter(n -> !n.equals(current)).findFirst()
          .orElseThrow() : old;
      Instant switchAt = Instant.now();
      step("6. switchover %s -> %s: POST /switchover {\"leader\":\"%s\",\"candidate\":\"%s\"} to %s's REST API",
          current, candidate, current, candidate, current);
      LocalCluster.Answer answer = cluster.rest(current, "POST", "/switchover",
          Optional.of("{\"leader\":\"" + current + "\",\"candidate\":\"" + candidate + "\"}"), SWITCHOVER_LIMIT);
      Duration answered = Duration.between(switchAt, Instant.now());
      if (answer.status() != 200) {
        throw new StepFailed("POST /switchover answered " + answer.status() + ": " + answer.body());
      }
      String after = awaitLeaderOtherThan(current, SWITCHOVER_LIMIT);
      Duration switched = Duration.between(switchAt, Instant.now());
      await("writes to succeed on " + after, Duration.ofSeconds(60), () -> writer.wroteTo(after, switchAt));
      Writer.Outage pause = writer.outageSince(switchAt).orElse(null);
      Duration switchUnavailable = pause == null ? Duration.ZERO : pause.length();
      detail("REST answered %d \"%s\" after %s; %s holds the lock (%s after the request)", answer.status(),
          answer.body().strip(), fmt(answered), after, fmt(switched));
      detail("writes unavailable for %s during the switchover", fmt(switchUnavailable));

      // 7. The cluster as it is now.
      String finalLeader = awaitHealthy(REJOIN_LIMIT);
      step("7. the cluster now: %s leads, both replicas stream", finalLeader);
      table();
      try {
        out.println(cluster.historyTable());
      } catch (DcsException e) {
        throw new StepFailed("cannot read the history: " + e.getMessage(), e);
      }

      // 8. What the writer saw.
      writer.close();
      Writer.Stats end = writer.stats();
      Loss loss = loss(finalLeader);
      step("8. writer stopped: %d attempts, %d acknowledged, %d failed; acknowledged writes lost: %d", end.attempts(),
          end.acked(), end.failed(), loss.lost());
      if (loss.inDoubt() > 0) {
        detail("%d rows are present whose INSERT was not acknowledged (the commit happened, the answer was lost)",
            loss.inDoubt());
      }

      out.println();
      out.println("summary:");
      out.printf("  bootstrap: one primary and two streaming replicas in %s%n", fmt(boot));
      out.printf("  failover (SIGKILL of the primary's agent and postmaster): new leader %s after %s;"
          + " writes unavailable %s; acknowledged writes lost %d%n", next, fmt(failover), fmt(unavailable),
          lossAtFailover.lost());
      out.printf("  rejoin of %s %s: %s%n", old, how, fmt(rejoin));
      out.printf("  switchover %s -> %s through the REST API: %s; writes unavailable %s%n", current, after,
          fmt(switched), fmt(switchUnavailable));
      out.flush();
    }

    /** Acknowledged ids and those the primary {@code member} has. */
    record Loss(int acked, int lost, int inDoubt) {}

    private Loss loss(String member) throws StepFailed {
      Set<Long> acked = writer.ackedIds();
      try {
        Set<Long> present = Writer.idsOn(cluster.target(member), LocalCluster.SUPERUSER, password);
        Set<Long> lost = new HashSet<>(acked);
        lost.removeAll(present);
        Set<Long> inDoubt = new HashSet<>(present);
        inDoubt.removeAll(writer.ackedIds());
        return new Loss(acked.size(), lost.size(), inDoubt.size());
      } catch (SQLException e) {
        throw new StepFailed("cannot count the rows on " + member + ": " + e.getMessage(), e);
      }
    }

    /** Waits for the member to stream from the leader on the leader's timeline; returns that timeline. */
    private long awaitRejoin(String member, String leader) throws StepFailed, InterruptedException {
      long deadline = System.nanoTime() + REJOIN_LIMIT.toNanos();
      while (true) {
        try {
          ClusterView v = cluster.view();
          Optional<Long> tl = v.member(leader).flatMap(m -> m.status().timeline());
          if (tl.isPresent() && LocalCluster.streamingOn(v, member, tl.get())) {
            return tl.get();
          }
        } catch (DcsException e) {
          // Read again.
        }
        if (System.nanoTime() > deadline) {
          throw new StepFailed(member + " did not rejoin within " + REJOIN_LIMIT.toSeconds() + " s");
        }
        if (!cluster.agentAlive(member)) {
          throw new StepFailed("the agent of " + member + " exited while rejoining");
        }
        Thread.sleep(LocalCluster.POLL.toMillis());
      }
    }

    /** How the agent's log says it came back: pg_rewind, a fresh copy, or simply following. */
    static String rejoinHow(String log) {
      boolean rewound = log.lines().anyMatch(l -> l.contains("Rewind[") && l.contains(" done"));
      boolean recopied = log.lines().anyMatch(l -> (l.contains("Reinitialize[") || l.contains("CreateReplica["))
          && l.contains(" done"));
      if (rewound) {
        return "with pg_rewind";
      }
      if (recopied) {
        return "with a fresh copy (reinitialized)";
      }
      return "without pg_rewind (its WAL had not diverged)";
    }

    private String awaitHealthy(Duration limit) throws StepFailed, InterruptedException {
      try {
        return cluster.awaitHealthy(limit, cluster.names());
      } catch (LocalCluster.WaitFailed e) {
        throw new StepFailed(e.getMessage(), e);
      }
    }

    private String awaitLeaderOtherThan(String old, Duration limit) throws StepFailed, InterruptedException {
      try {
        return cluster.awaitLeaderOtherThan(old, limit);
      } catch (LocalCluster.WaitFailed e) {
        throw new StepFailed(e.getMessage(), e);
      }
    }

    private void await(String what, Duration limit, BooleanSupplier condition) throws StepFailed, InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          String why = writer == null ? "" : " (last write error: " + writer.lastError() + ")";
          throw new StepFailed("timed out after " + limit.toSeconds() + " s waiting for " + what + why);
        }
        Thread.sleep(20);
      }
    }

    private void table() throws StepFailed {
      try {
        out.println(cluster.table());
        out.flush();
      } catch (DcsException e) {
        throw new StepFailed("cannot read the cluster: " + e.getMessage(), e);
      }
    }

    // ------------------------------------------------------------------------------------ output

    private void step(String format, Object... args) {
      out.printf("[%6.1f s] %s%n", elapsed(), String.format(Locale.ROOT, format, args));
      out.flush();
    }

    private void detail(String format, Object... args) {
      out.printf("           %s%n", String.format(Locale.ROOT, format, args));
      out.flush();
    }

    private double elapsed() {
      return (System.nanoTime() - startNanos) / 1e9;
    }

    static String fmt(Duration d) {
      return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static String since(Instant t) {
      return fmt(Duration.between(t, Instant.now()));
    }

    private int ttl() {
      return seconds(timings.ttl());
    }

    private static int seconds(Duration d) {
      return (int) d.toSeconds();
    }

    /** On failure: the end of every agent's log, so the reason is on the screen. */
    void printLogTails() {
      LocalCluster c = cluster;
      if (c == null) {
        return;
      }
      for (String name : c.names()) {
        out.println("--- last lines of " + c.node(name).log());
        out.println(c.logTail(name, 25));
      }
      out.flush();
    }

    // ------------------------------------------------------------------------------------ cleanup

    /** Stops the writer, the agents (SIGTERM) and ZooKeeper, and deletes the directory unless kept. Idempotent. */
    void cleanup() {
      synchronized (cleanupLock) {
        if (cleanedUp) {
          return;
        }
        cleanedUp = true;
        Instant t = Instant.now();
        List<String> done = new ArrayList<>();
        if (writer != null) {
          writer.close();
        }
        if (cluster != null) {
          cluster.stopAll(Duration.ofSeconds(60));
          done.add("agents stopped (SIGTERM)");
        }
        if (zookeeper != null) {
          zookeeper.close();
          done.add("ZooKeeper stopped");
        }
        if (base != null) {
          if (keep) {
            done.add(base + " kept (--keep)");
          } else {
            deleteTree(base);
            done.add(base + " deleted");
          }
        }
        if (!done.isEmpty()) {
          step("cleaned up in %s: %s", since(t), String.join(", ", done));
        }
        out.flush();
      }
    }

    private static void deleteTree(Path root) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // Best effort: what is left is in the temporary directory.
      }
    }
  }
}
