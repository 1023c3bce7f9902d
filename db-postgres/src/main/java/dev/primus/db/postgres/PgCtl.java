package dev.primus.db.postgres;

import dev.primus.ha.StopMode;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Process control of one instance through {@code pg_ctl}, {@code pg_controldata} and single-user
 * {@code postgres}. The server writes to its own log file in the driver's log directory.
 */
final class PgCtl {
  private static final System.Logger LOG = System.getLogger(PgCtl.class.getName());
  /** Extra time our own deadline gives pg_ctl beyond its {@code -t}, so pg_ctl reports the timeout itself. */
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final Duration CONTROLDATA_TIMEOUT = Duration.ofSeconds(10);

  private final PostgresBinaries bin;
  private final ProcessRunner runner;
  private final DataDirectory data;
  private final Path logDir;

  PgCtl(PostgresBinaries bin, ProcessRunner runner, DataDirectory data, Path logDir) {
    this.bin = Objects.requireNonNull(bin, "bin");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.data = Objects.requireNonNull(data, "data");
    this.logDir = Objects.requireNonNull(logDir, "logDir");
  }

  Path serverLog() {
    return logDir.resolve("postgresql.log");
  }

  Path commandLog(String name) {
    return logDir.resolve(name + ".log");
  }

  /** The live postmaster, if any. */
  Optional<Postmaster> running() {
    return Postmaster.read(data.path()).filter(Postmaster::alive);
  }

  /** Starts the server and waits until it accepts connections (a standby: until it is consistent). */
  void start(Duration timeout) throws DriverException {
    long seconds = seconds(timeout);
    ProcessRunner.Result r = runner.run(ProcessRunner.Spec.of("pg_ctl start",
        List.of(bin.tool("pg_ctl").toString(), "start", "-D", data.path().toString(), "-l", serverLog().toString(),
            "-w", "-t", Long.toString(seconds)),
        timeout.plus(GRACE), commandLog("pg_ctl-start")).workDir(logDir).keepChildren());
    if (r.ok()) {
      return;
    }
    String out = ProcessRunner.tail(r.log());
    if (out.contains("did not start in time") && running().isPresent()) {
      throw new DriverException(Kind.TIMEOUT, "PostgreSQL did not accept connections within " + seconds
          + " s and is still starting; server log: " + serverLog());
    }
    throw new DriverException(Kind.COMMAND_FAILED, "pg_ctl start failed: " + out + "; server log " + serverLog()
        + " ends with: " + ProcessRunner.tail(serverLog()));
  }

  /** How long {@code pg_ctl stop -W} may take to deliver its signal. */
  private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);
  /** How often a bounded stop looks whether the postmaster is gone. */
  private static final Duration POLL = Duration.ofMillis(50);

  /** How long an immediate shutdown may take after a stop in another mode timed out, before the kill. */
  static final Duration IMMEDIATE_WAIT = Duration.ofSeconds(30);

  /**
   * Stops the server in {@code mode}; if it is not down within {@code timeout}, stops it immediately,
   * and if even that hangs, kills the postmaster. Returns the mode that finally stopped it.
   */
  StopMode stop(StopMode mode, Duration timeout) throws DriverException {
    Optional<Postmaster> pm = running();
    if (pm.isEmpty()) {
      return mode;
    }
    if (pgCtlStop(mode, timeout) || running().isEmpty()) {
      return mode;
    }
    if (mode != StopMode.IMMEDIATE) {
      LOG.log(System.Logger.Level.WARNING, "{0} shutdown did not finish in {1} s; stopping immediately",
          mode, timeout.toSeconds());
      if (pgCtlStop(StopMode.IMMEDIATE, IMMEDIATE_WAIT) || running().isEmpty()) {
        return StopMode.IMMEDIATE;
      }
    }
    LOG.log(System.Logger.Level.WARNING, "immediate shutdown hung; killing postmaster {0}", pm.get().pid());
    pm.get().kill(Duration.ofSeconds(10));
    if (running().isPresent()) {
      throw new DriverException(Kind.TIMEOUT, "PostgreSQL (pid " + pm.get().pid() + ") survived fast, immediate and SIGKILL");
    }
    return StopMode.IMMEDIATE;
  }

  /**
   * Stops the server within {@code bound}: {@code mode} for half of it, immediately for the rest, then
   * SIGKILL of the postmaster and its children. Returns the mode that finally stopped it (IMMEDIATE after a
   * kill).
   */
  StopMode stopWithin(StopMode mode, Duration bound) throws DriverException {
    Optional<Postmaster> pm = running();
    if (pm.isEmpty()) {
      return mode;
    }
    // pg_ctl waits in whole seconds; the bound is the engine's and counts in milliseconds. Each step only
    // signals (pg_ctl stop -W), and the wait is ours.
    long deadline = System.nanoTime() + bound.toNanos();
    Duration first = mode == StopMode.IMMEDIATE ? bound : bound.dividedBy(2);
    signalStop(mode);
    if (awaitDown(System.nanoTime() + first.toNanos())) {
      return mode;
    }
    if (mode != StopMode.IMMEDIATE) {
      LOG.log(System.Logger.Level.WARNING, "{0} shutdown did not finish in {1} ms; stopping immediately",
          mode, first.toMillis());
      signalStop(StopMode.IMMEDIATE);
      if (awaitDown(deadline)) {
        return StopMode.IMMEDIATE;
      }
    }
    LOG.log(System.Logger.Level.WARNING, "shutdown did not end within {0} ms; killing postmaster {1} and its processes",
        bound.toMillis(), pm.get().pid());
    pm.get().kill(Duration.ofSeconds(10));
    if (running().isPresent()) {
      throw new DriverException(Kind.TIMEOUT, "PostgreSQL (pid " + pm.get().pid() + ") survived " + mode.name().toLowerCase(Locale.ROOT)
          + ", immediate and SIGKILL");
    }
    return StopMode.IMMEDIATE;
  }

  /** {@code pg_ctl stop -W}: the signal only. A server already gone is no failure. */
  private void signalStop(StopMode mode) throws DriverException {
    ProcessRunner.Result r = runner.run(ProcessRunner.Spec.of("pg_ctl stop -W",
        List.of(bin.tool("pg_ctl").toString(), "stop", "-D", data.path().toString(),
            "-m", mode.name().toLowerCase(Locale.ROOT), "-W"),
        SIGNAL_TIMEOUT, commandLog("pg_ctl-stop")).workDir(logDir));
    if (!r.ok() && running().isPresent()) {
      LOG.log(System.Logger.Level.WARNING, "pg_ctl stop -m {0} -W failed: {1}", mode, ProcessRunner.tail(r.log()));
    }
  }

  /** Polls until the postmaster is gone or {@code deadlineNanos} ({@link System#nanoTime()}) has passed. */
  private boolean awaitDown(long deadlineNanos) {
    while (running().isPresent()) {
      if (System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return running().isEmpty();
      }
    }
    return true;
  }

  private boolean pgCtlStop(StopMode mode, Duration timeout) throws DriverException {
    try {
      return runner.run(ProcessRunner.Spec.of("pg_ctl stop",
          List.of(bin.tool("pg_ctl").toString(), "stop", "-D", data.path().toString(),
              "-m", mode.name().toLowerCase(Locale.ROOT), "-w", "-t", Long.toString(seconds(timeout))),
          timeout.plus(GRACE), commandLog("pg_ctl-stop")).workDir(logDir)).ok();
    } catch (DriverException e) {
      if (e.kind() == Kind.TIMEOUT) {
        return false;
      }
      throw e;
    }
  }

  /** Ends recovery and waits until the server accepts writes. */
  void promote(Duration timeout) throws DriverException {
    ProcessRunner.Result r = runner.run(ProcessRunner.Spec.of("pg_ctl promote",
        List.of(bin.tool("pg_ctl").toString(), "promote", "-D", data.path().toString(), "-w", "-t",
            Long.toString(seconds(timeout))),
        timeout.plus(GRACE), commandLog("pg_ctl-promote")).workDir(logDir));
    if (!r.ok()) {
      String out = ProcessRunner.tail(r.log());
      throw new DriverException(out.contains("did not promote in time") ? Kind.TIMEOUT : Kind.COMMAND_FAILED,
          "pg_ctl promote failed: " + out + "; server log: " + serverLog());
    }
  }

  /** SIGHUP through pg_ctl: needs no connection and no password. */
  void reload() throws DriverException {
    runner.runChecked(ProcessRunner.Spec.of("pg_ctl reload",
        List.of(bin.tool("pg_ctl").toString(), "reload", "-D", data.path().toString()),
        Duration.ofSeconds(30), commandLog("pg_ctl-reload")).workDir(logDir));
  }

  /** The control file, or empty when it cannot be read (no cluster, damaged). */
  Optional<ControlData> controlData() {
    try {
      return Optional.of(readControlData());
    } catch (DriverException e) {
      return Optional.empty();
    }
  }

  ControlData readControlData() throws DriverException {
    String out = runner.capture("pg_controldata", List.of(bin.tool("pg_controldata").toString(), data.path().toString()),
        Map.of("LC_ALL", "C", "LANG", "C"), CONTROLDATA_TIMEOUT);
    ControlData cd = ControlData.parse(out);
    if (cd.systemIdentifier().isEmpty()) {
      throw new DriverException(Kind.COMMAND_FAILED, "pg_controldata printed no system identifier: " + out.strip());
    }
    return cd;
  }

  /**
   * Crash recovery in single-user mode: replays the local WAL and writes a shutdown checkpoint, so a
   * crashed instance becomes cleanly shut down (pg_rewind accepts nothing else). Stdin is /dev/null,
   * so the backend exits as soon as recovery is done.
   */
  void singleUserRecovery(Duration timeout) throws DriverException {
    runner.runChecked(ProcessRunner.Spec.of("postgres --single (crash recovery)",
        List.of(bin.tool("postgres").toString(), "--single", "-D", data.path().toString(), "-c", "archive_mode=off",
            "template1"),
        timeout, commandLog("single-user-recovery")).workDir(logDir));
  }

  private static long seconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
