package dev.primus.runner.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One agent run as its own process, the way an operator runs it: {@code java <flags> -jar <jar> run
 * <patroni.yml>}, stdout and stderr appended to a log file. SIGTERM ({@link #terminate}) is the clean
 * hand-over under test; SIGKILL ({@link #kill}) is a crash, which leaves PostgreSQL running.
 */
public final class AgentHandle {
  private final String member;
  private final Process process;
  private final Path log;

  private AgentHandle(String member, Process process, Path log) {
    this.member = member;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code primus run config}. The child gets this process's environment without the
   * {@code PATRONI_*} and {@code PRIMUS_*} variables: the agent reads them as configuration, and the
   * caller's must not leak into a member's.
   */
  static AgentHandle start(String member, Path java, List<String> jvmFlags, Path jar, Path config, Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(jvmFlags);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("run");
    cmd.add(config.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PATRONI_") || k.startsWith("PRIMUS_"));
    return new AgentHandle(Objects.requireNonNull(member, "member"), pb.start(), log);
  }

  public String member() {
    return member;
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

  /** SIGTERM, then up to {@code wait} for the exit; the exit status, or empty if it still runs. */
  public Optional<Integer> terminate(Duration wait) throws InterruptedException {
    process.destroy();
    return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue())
        : Optional.empty();
  }

  /** Sends SIGTERM without waiting. */
  public void signalTerminate() {
    process.destroy();
  }

  /** Waits up to {@code wait} for the process to end. */
  boolean awaitExit(Duration wait) throws InterruptedException {
    return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** SIGKILL and wait for the process to be gone (a crash: its PostgreSQL keeps running). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
