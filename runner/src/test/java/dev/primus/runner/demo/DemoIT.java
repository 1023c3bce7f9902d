package dev.primus.runner.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.runner.AgentProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code primus demo} end to end, as a user runs it: the shaded jar as a subprocess (it starts its own
 * ZooKeeper, three agents and three PostgreSQL servers). Its output must show a failover, a rejoin and a
 * switchover with their timings, and it must exit 0 leaving nothing behind. A second run is interrupted
 * (SIGINT, as Ctrl-C) while the cluster boots, and must clean up just the same. Needs PostgreSQL 15 and,
 * as root, the user {@code primus-pg} ({@code .ci/setup}); fails without them.
 */
class DemoIT {
  static final Duration LIMIT = Duration.ofMinutes(10);
  static final Pattern BASE = Pattern.compile("everything under (\\S+?);");

  @Test
  void theDemoShowsAFailoverARejoinAndASwitchoverAndCleansUp() throws Exception {
    Path out = Files.createTempFile("primus-demo-it-", ".txt");
    try {
      Process p = start(out);
      if (!p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroy();
        p.waitFor(90, TimeUnit.SECONDS);
        fail("the demo did not finish within " + LIMIT.toMinutes() + " min:\n" + read(out));
      }
      String text = read(out);
      System.out.println(text);
      assertEquals(0, p.exitValue(), "exit status:\n" + text);

      assertLine(text, "4\\. killed the primary (node\\d): SIGKILL to its agent \\(pid \\d+\\) and its postmaster \\(pid \\d+\\)");
      assertLine(text, "new leader: node\\d, [\\d.]+ s after the kill");
      assertLine(text, "writes unavailable for [\\d.]+ s \\(first failed write");
      assertLine(text, "acknowledged writes lost: \\d+ of \\d+");
      assertLine(text, "node\\d rejoined (with pg_rewind|without pg_rewind \\(its WAL had not diverged\\)):"
          + " running, streaming from node\\d on timeline \\d+");
      assertLine(text, "6\\. switchover node\\d -> node\\d: POST /switchover");
      assertLine(text, "REST answered 200 .* node\\d holds the lock");
      assertLine(text, "writes unavailable for [\\d.]+ s during the switchover");
      assertLine(text, "7\\. the cluster now: node\\d leads, both replicas stream");
      assertTrue(text.contains("| TL |") && text.contains("New Leader"), "the history table:\n" + text);
      assertLine(text, "failover \\(SIGKILL of the primary's agent and postmaster\\): new leader node\\d after [\\d.]+ s");
      assertLine(text, "cleaned up in [\\d.]+ s: agents stopped \\(SIGTERM\\), ZooKeeper stopped, \\S+ deleted");
      assertFalse(text.contains("FAILED"), text);
      assertNothingLeft(text);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Test
  void ctrlCWhileTheClusterBootsCleansUpEverything() throws Exception {
    Path out = Files.createTempFile("primus-demo-it-", ".txt");
    try {
      Process p = start(out);
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (!read(out).contains("2. three agents started")) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          fail("the demo did not start its agents:\n" + read(out));
        }
        Thread.sleep(100);
      }
      Thread.sleep(2000); // initdb and the first base backups are under way
      Process sigint = new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start();
      assertTrue(sigint.waitFor(10, TimeUnit.SECONDS) && sigint.exitValue() == 0, "kill -INT");
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("the demo did not exit within 120 s of SIGINT:\n" + read(out));
      }
      String text = read(out);
      assertTrue(text.contains("interrupted: cleaning up"), text);
      assertLine(text, "cleaned up in [\\d.]+ s: agents stopped \\(SIGTERM\\), ZooKeeper stopped, \\S+ deleted");
      assertNothingLeft(text);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** {@code java -jar <shaded jar> demo}, output to {@code out}. */
  static Process start(Path out) throws IOException {
    if (Prerequisites.postgresBinDir(Prerequisites.POSTGRES_ROOT).isEmpty()) {
      fail("no PostgreSQL under /usr/lib/postgresql; apt-get install -y postgresql-15 (see .ci/setup)");
    }
    // A build started in the background (nohup, a CI runner's job) hands SIGINT down ignored, and a JVM that
    // starts with SIGINT ignored never installs its handler: the demo would not see the Ctrl-C this test sends.
    // env (coreutils 8.31+) resets it and execs java, so the PID stays the demo's.
    List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", AgentProcess.shadedJar().toString(), "demo"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("PATRONI_") || k.startsWith("PRIMUS_"));
    return pb.start();
  }

  /** The directory is gone and no process names it: no agent, postmaster, copy or rewind left running. */
  static void assertNothingLeft(String text) throws InterruptedException {
    Matcher m = BASE.matcher(text);
    assertTrue(m.find(), "the demo names its directory:\n" + text);
    String base = m.group(1);
    assertFalse(Files.exists(Path.of(base)), base + " must be deleted");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    List<String> left;
    do {
      left = ProcessHandle.allProcesses()
          .map(h -> h.info().commandLine().orElse(""))
          .filter(c -> c.contains(base))
          .toList();
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    fail("processes left behind: " + left);
  }

  static void assertLine(String text, String regex) {
    Pattern p = Pattern.compile(regex);
    assertTrue(text.lines().anyMatch(l -> p.matcher(l).find()), "no line matches /" + regex + "/ in:\n" + text);
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
