package dev.primus.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One agent as a separate process, the way an operator runs it: {@code java <lean flags> -jar
 * primus-runner-*-all.jar run <patroni.yml>}, its stdout and stderr in a log file. {@link #terminate()}
 * sends SIGTERM (the shutdown path under test), {@link #kill()} SIGKILL (a crash).
 *
 * <p>For the end-to-end suite: start several, kill one, read their logs. The shaded jar must have been
 * built ({@code mvn -pl runner -am package}); {@link #shadedJar()} finds it.
 */
public final class AgentProcess implements AutoCloseable {
  /** The flags of {@code runner/bin/primus}: a small heap and the serial collector. */
  public static final List<String> LEAN_JVM = List.of("-Xmx96m", "-Xss512k", "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1", "-XX:MaxMetaspaceSize=96m");

  private final Process process;
  private final Path log;

  private AgentProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code primus run config} from the shaded jar, with {@code env} added to this JVM's environment. */
  public static AgentProcess start(Path config, Path log, Map<String, String> env) throws IOException {
    return start(List.of(config), log, env);
  }

  /**
   * Starts {@code primus run config...}: one process running a member per file (a host with several
   * PostgreSQL instances).
   */
  public static AgentProcess start(List<Path> configs, Path log, Map<String, String> env) throws IOException {
    return start(List.of(), configs, log, env);
  }

  /**
   * Starts {@code prefix... java ... run config...}: the same agent under a wrapper that execs it in place,
   * e.g. {@code ip netns exec <namespace>} (so {@link #pid()} is still the JVM's).
   */
  public static AgentProcess start(List<String> prefix, List<Path> configs, Path log, Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(LEAN_JVM);
    cmd.add("-jar");
    cmd.add(shadedJar().toString());
    cmd.add("run");
    configs.forEach(c -> cmd.add(c.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // The child must not read the test's own Patroni/Primus variables as configuration.
    pb.environment().keySet().removeIf(k -> k.startsWith("PATRONI_") || k.startsWith("PRIMUS_"));
    pb.environment().putAll(env);
    return new AgentProcess(pb.start(), log);
  }

  /**
   * The shaded jar: {@code -Dprimus.runner.jar}, else {@code target/primus-runner-*-all.jar} under the
   * working directory (the runner module when Maven runs the tests) or {@code runner/target}.
   */
  public static Path shadedJar() throws IOException {
    String prop = System.getProperty("primus.runner.jar");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    for (Path dir : List.of(Path.of("target"), Path.of("runner", "target"))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "primus-runner-*-all.jar")) {
        for (Path p : s) {
          return p.toAbsolutePath();
        }
      }
    }
    throw new IllegalStateException("the shaded jar is not built: run mvn -q -DskipTests package -pl runner -am");
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /** SIGTERM, then waits up to {@code wait}; the exit status, or empty if it is still running. */
  public Optional<Integer> terminate(Duration wait) throws InterruptedException {
    process.destroy();
    return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
  }

  /** SIGKILL: the agent dies as in a crash; PostgreSQL keeps running. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** The last {@code lines} lines of the log, for failure messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the agent if it still runs. */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
