package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.primus.agent.ScriptRunner.Outcome;
import dev.primus.agent.ScriptRunner.Script;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Real scripts in a temporary directory, run by the agent's {@link CallbackRunner}. */
class CallbackRunnerTest {
  static final Duration LONG = Duration.ofSeconds(60);

  @TempDir
  Path dir;
  Path calls;
  CallbackRunner runner;
  ListAppender<ILoggingEvent> log;
  Logger logger;
  Level previousLevel;

  @BeforeEach
  void setUp() {
    calls = dir.resolve("calls.txt");
    runner = new CallbackRunner();
    logger = (Logger) LoggerFactory.getLogger(CallbackRunner.class);
    previousLevel = logger.getLevel();
    logger.setLevel(Level.INFO);
    log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
  }

  @AfterEach
  void tearDown() {
    runner.close();
    logger.detachAppender(log);
    logger.setLevel(previousLevel);
  }

  /** An executable shell script in the temporary directory. */
  Path script(String name, String body) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }

  /** A script that appends its arguments, one call per line, to calls.txt. */
  Path recorder() throws IOException {
    return script("record.sh", "echo \"$*\" >> '" + calls + "'");
  }

  List<String> lines() throws IOException {
    return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Running, not merely a zombie waiting to be reaped. */
  static boolean alive(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  boolean logged(String fragment) {
    return events().stream().anyMatch(e -> e.getFormattedMessage().contains(fragment));
  }

  /** A copy: the scripts' threads append while a test reads, and AppenderBase.doAppend holds the appender's monitor. */
  List<ILoggingEvent> events() {
    synchronized (log) {
      return List.copyOf(log.list);
    }
  }

  boolean fileHas(String line) {
    try {
      return lines().contains(line);
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aScriptGetsItsArgvAndItsOutputGoesToTheAgentLog() throws Exception {
    Path rec = script("chatty.sh", "echo \"$*\" >> '" + calls + "'\necho hello from the script\necho oops >&2");
    runner.launch(new Script("on_start", List.of(rec.toString(), "on_start", "replica", "demo"), LONG));
    await("the script's line", () -> fileHas("on_start replica demo"));
    await("its output in the log", () -> logged("on_start: hello from the script") && logged("on_start: oops"));
    await("its end in the log", () -> logged("on_start: finished in"));
  }

  @Test
  void aNewerCallbackKillsTheRunningOneAndItsChildren() throws Exception {
    Path pidFile = dir.resolve("child.pid");
    Path slow = script("slow.sh", "sleep 300 &\necho $! > '" + pidFile + "'\nwait\necho slow-finished >> '" + calls + "'");
    Path rec = recorder();
    runner.launch(new Script("on_start", List.of(slow.toString()), LONG));
    await("the slow script's child", () -> Files.exists(pidFile) && pidFile.toFile().length() > 0);
    long child = Long.parseLong(Files.readString(pidFile).trim());
    assertTrue(alive(child));

    runner.launch(new Script("on_role_change", List.of(rec.toString(), "on_role_change", "primary", "demo"), LONG));
    await("the newer script", () -> fileHas("on_role_change primary demo"));
    await("the child of the replaced script to die", () -> !alive(child));
    await("the log to say so", () -> logged("on_start: killed after") && logged("replaced by on_role_change"));
    assertEquals(List.of("on_role_change primary demo"), lines(), "the replaced script never finished");
  }

  @Test
  void aReloadDoesNotCutARoleChangeShort() throws Exception {
    Path slow = script("slow.sh", "sleep 1\necho \"$*\" >> '" + calls + "'");
    Path rec = recorder();
    runner.launch(new Script("on_role_change", List.of(slow.toString(), "on_role_change", "primary", "demo"), LONG));
    await("the role change to run", () -> logged("on_role_change: running"));
    runner.launch(new Script("on_reload", List.of(rec.toString(), "on_reload", "primary", "demo"), LONG));
    await("both", () -> fileHas("on_reload primary demo") && fileHas("on_role_change primary demo"));
    assertEquals(List.of("on_reload primary demo", "on_role_change primary demo"), lines());
  }

  @Test
  void launchingNeverWaitsForTheScript() throws Exception {
    Path slow = script("slow.sh", "sleep 2");
    long t0 = System.nanoTime();
    runner.launch(new Script("on_stop", List.of(slow.toString()), LONG));
    runner.launch(new Script("on_reload", List.of(slow.toString()), LONG));
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toMillis() < 1000, "launch returns at once");
    runner.close(Duration.ofSeconds(20));
    assertTrue(logged("on_stop: finished in") && logged("on_reload: finished in"), "both ran, side by side");
  }

  @Test
  void aScriptRunningPastItsTimeoutIsKilled() throws Exception {
    Path slow = script("slow.sh", "sleep 30\necho late >> '" + calls + "'");
    long t0 = System.nanoTime();
    Outcome o = runner.run(new Script("pre_promote", List.of(slow.toString()), Duration.ofSeconds(1)));
    assertInstanceOf(Outcome.TimedOut.class, o);
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10, "killed at its timeout");
    assertTrue(logged("pre_promote: still running after 1 s (callback_timeout); killed"));

    runner.launch(new Script("on_start", List.of(slow.toString()), Duration.ofSeconds(1)));
    await("the background one to be killed too", () -> logged("on_start: still running after 1 s"));
    assertEquals(List.of(), lines());
  }

  @Test
  void theExitCodeOfAScriptWaitedForIsReported() throws Exception {
    assertEquals(new Outcome.Exited(0), runner.run(new Script("pre_promote", List.of(script("ok.sh", "exit 0")
        .toString()), LONG)));
    assertEquals(new Outcome.Exited(3), runner.run(new Script("pre_promote", List.of(script("no.sh", "exit 3")
        .toString()), LONG)));
    assertTrue(logged("pre_promote: exited with code 3"));
  }

  @Test
  void aMissingOrNonExecutableScriptIsLoggedClearlyAndNotRun() throws Exception {
    Path missing = dir.resolve("nope.sh");
    Outcome o = runner.run(new Script("pre_promote", List.of(missing.toString()), LONG));
    assertEquals(new Outcome.NotRun(missing + " does not exist"), o);

    Path plain = dir.resolve("plain.sh");
    Files.writeString(plain, "#!/bin/sh\necho ran >> '" + calls + "'\n");
    Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-------"));
    runner.launch(new Script("on_start", List.of(plain.toString(), "on_start", "primary", "demo"), LONG));
    await("the error in the log", () -> logged("on_start: " + plain + " is not executable (chmod +x " + plain
        + "); the script was not run"));

    runner.launch(new Script("on_stop", List.of("no-such-program-primus", "on_stop", "primary", "demo"), LONG));
    await("the PATH error", () -> logged("on_stop: no-such-program-primus is not found in PATH"));
    assertEquals(List.of(), lines());
    assertTrue(events().stream().filter(e -> e.getFormattedMessage().contains("not run"))
        .allMatch(e -> e.getLevel() == Level.ERROR));
  }

  @Test
  void programsWithoutASlashAreFoundInPath() throws Exception {
    recorder();
    CallbackRunner withPath = new CallbackRunner(dir.toString());
    try {
      assertEquals(new Outcome.Exited(0), withPath.run(new Script("pre_promote", List.of("record.sh", "x"), LONG)));
      assertEquals(List.of("x"), lines());
    } finally {
      withPath.close();
    }
  }

  @Test
  void closeWaitsForAScriptJustHandedOver() throws Exception {
    Path rec = script("slowish.sh", "sleep 0.3\necho \"$*\" >> '" + calls + "'");
    runner.launch(new Script("on_stop", List.of(rec.toString(), "on_stop", "primary", "demo"), LONG));
    runner.close(Duration.ofSeconds(10));
    assertEquals(List.of("on_stop primary demo"), lines(), "the on_stop at shutdown got to run");
    assertFalse(logged("was not run"));
  }
}
