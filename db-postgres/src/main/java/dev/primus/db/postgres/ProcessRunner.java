package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs external commands: an explicit argument list (never a shell), stdin from /dev/null, output to a
 * log file, a deadline on every run, and the process (with its children, unless told otherwise)
 * killed when the deadline passes. PostgreSQL tools run as the configured OS user.
 */
final class ProcessRunner {
  private static final File DEV_NULL = new File("/dev/null");
  private static final int LOG_TAIL_LINES = 15;

  private final RunAs runAs;
  private final Map<String, String> baseEnvironment;

  ProcessRunner(RunAs runAs) {
    this.runAs = Objects.requireNonNull(runAs, "runAs");
    Map<String, String> env = new HashMap<>(System.getenv());
    // Inherited libpq variables would silently redirect the tools to another server or user.
    env.keySet().removeIf(k -> k.startsWith("PG"));
    this.baseEnvironment = Map.copyOf(env);
  }

  /** What a finished command left behind. */
  record Result(String name, int exitCode, Path log, Duration elapsed) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /** How to run one command. */
  record Spec(String name, List<String> argv, Map<String, String> environment, Duration timeout, Path log,
      Optional<Path> workDir, boolean asOsUser, boolean killChildrenOnTimeout) {
    Spec {
      Objects.requireNonNull(name, "name");
      argv = List.copyOf(argv);
      environment = Map.copyOf(environment);
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(log, "log");
      Objects.requireNonNull(workDir, "workDir");
    }

    static Spec of(String name, List<String> argv, Duration timeout, Path log) {
      return new Spec(name, argv, Map.of(), timeout, log, Optional.empty(), true, true);
    }

    Spec env(Map<String, String> env) {
      return new Spec(name, argv, env, timeout, log, workDir, asOsUser, killChildrenOnTimeout);
    }

    Spec workDir(Path dir) {
      return new Spec(name, argv, environment, timeout, log, Optional.of(dir), asOsUser, killChildrenOnTimeout);
    }

    Spec asInvoker() {
      return new Spec(name, argv, environment, timeout, log, workDir, false, killChildrenOnTimeout);
    }

    /** For {@code pg_ctl start}: the server it forks is a child for a moment and must survive. */
    Spec keepChildren() {
      return new Spec(name, argv, environment, timeout, log, workDir, asOsUser, false);
    }
  }

  /** Runs to completion; a non-zero exit is returned, not thrown. */
  Result run(Spec spec) throws DriverException {
    List<String> argv = new ArrayList<>();
    if (spec.asOsUser()) {
      argv.addAll(runAs.prefix());
    }
    argv.addAll(spec.argv());
    try {
      Files.createDirectories(spec.log().getParent());
      Files.writeString(spec.log(), "# " + Instant.now() + " " + String.join(" ", spec.argv()) + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot write the log " + spec.log() + " of " + spec.name() + ": " + e, e);
    }
    ProcessBuilder pb = new ProcessBuilder(argv)
        .redirectInput(DEV_NULL)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.log().toFile()));
    spec.workDir().ifPresent(d -> pb.directory(d.toFile()));
    pb.environment().clear();
    pb.environment().putAll(baseEnvironment);
    pb.environment().putAll(spec.environment());
    long started = System.nanoTime();
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot start " + spec.name() + " (" + argv.get(0) + "): " + e.getMessage(), e);
    }
    try {
      if (!process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process, spec.killChildrenOnTimeout());
        throw new DriverException(Kind.TIMEOUT, spec.name() + " did not finish within " + spec.timeout().toSeconds()
            + " s and was killed; its output is in " + spec.log());
      }
    } catch (InterruptedException e) {
      kill(process, spec.killChildrenOnTimeout());
      Thread.currentThread().interrupt();
      throw new DriverException(Kind.COMMAND_FAILED, spec.name() + " was interrupted and killed; see " + spec.log(), e);
    }
    return new Result(spec.name(), process.exitValue(), spec.log(), Duration.ofNanos(System.nanoTime() - started));
  }

  /** Runs and throws {@code COMMAND_FAILED} with the end of the log when the exit code is not zero. */
  Result runChecked(Spec spec) throws DriverException {
    Result r = run(spec);
    if (!r.ok()) {
      throw new DriverException(Kind.COMMAND_FAILED, spec.name() + " exited with code " + r.exitCode() + "; "
          + tail(r.log()) + " (full output in " + r.log() + ")");
    }
    return r;
  }

  /** Runs a short command as the invoking user and returns its output; a non-zero exit throws. */
  String capture(String name, List<String> argv, Duration timeout) throws DriverException {
    return capture(name, argv, Map.of(), timeout);
  }

  /** As {@link #capture(String, List, Duration)} with extra environment variables. */
  String capture(String name, List<String> argv, Map<String, String> env, Duration timeout) throws DriverException {
    Path tmp;
    try {
      tmp = Files.createTempFile("primus-" + name, ".out");
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot create a temporary file for " + name + ": " + e, e);
    }
    try {
      Result r = run(new Spec(name, argv, env, timeout, tmp, Optional.empty(), false, true));
      String out = Files.readString(tmp, StandardCharsets.UTF_8);
      int firstNewline = out.indexOf('\n');
      out = firstNewline >= 0 ? out.substring(firstNewline + 1) : "";
      if (!r.ok()) {
        throw new DriverException(Kind.COMMAND_FAILED, name + " exited with code " + r.exitCode() + ": " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot read the output of " + name + ": " + e, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // a leftover temporary file is harmless
      }
    }
  }

  /** The last lines of a log, for exception messages. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      List<String> last = lines.subList(Math.max(1, lines.size() - LOG_TAIL_LINES), lines.size());
      return String.join(" | ", last).strip();
    } catch (IOException | RuntimeException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private static void kill(Process process, boolean children) {
    if (children) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
    }
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
