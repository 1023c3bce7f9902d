package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ProcessRunnerTest {
  private final ProcessRunner runner = new ProcessRunner(RunAs.invoker());

  @TempDir
  Path tmp;

  @Test
  void logsOutputAndReturnsTheExitCode() throws DriverException, IOException {
    Path log = tmp.resolve("logs").resolve("x.log");
    ProcessRunner.Result r = runner.run(ProcessRunner.Spec.of("x",
        List.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10), log));
    assertEquals(3, r.exitCode());
    String text = Files.readString(log);
    assertTrue(text.startsWith("# "), "a header line names the command: " + text);
    assertTrue(text.contains("out\n") && text.contains("err\n"), text);
  }

  @Test
  void runCheckedPutsTheLogTailInTheMessage() {
    DriverException e = assertThrows(DriverException.class, () -> runner.runChecked(ProcessRunner.Spec.of("failing tool",
        List.of("/bin/sh", "-c", "echo 'FATAL: something broke'; exit 1"), Duration.ofSeconds(10), tmp.resolve("f.log"))));
    assertEquals(Kind.COMMAND_FAILED, e.kind());
    assertTrue(e.getMessage().contains("failing tool exited with code 1"), e.getMessage());
    assertTrue(e.getMessage().contains("FATAL: something broke"), e.getMessage());
  }

  @Test
  void aDeadlineKillsTheCommandAndItsChildren() throws IOException {
    Path pidFile = tmp.resolve("child.pid");
    long t0 = System.nanoTime();
    DriverException e = assertThrows(DriverException.class, () -> runner.run(ProcessRunner.Spec.of("sleeper",
        List.of("/bin/sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"), Duration.ofMillis(500),
        tmp.resolve("s.log"))));
    assertEquals(Kind.TIMEOUT, e.kind());
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
    long child = Long.parseLong(Files.readString(pidFile).trim());
    // Killed at once; reaping the orphan is up to init, so allow it a moment.
    ProcessHandle.of(child).ifPresent(h -> {
      try {
        h.onExit().get(5, TimeUnit.SECONDS);
      } catch (Exception ex) {
        fail("the child " + child + " outlived its parent's deadline: " + ex);
      }
    });
  }

  @Test
  void inheritedLibpqVariablesAreDropped() throws DriverException {
    String out = runner.capture("env", List.of("/usr/bin/env"), Map.of("PGPASSFILE", "/x"), Duration.ofSeconds(10));
    assertTrue(out.contains("PGPASSFILE=/x"), out);
    assertTrue(out.lines().filter(l -> l.startsWith("PG")).allMatch(l -> l.startsWith("PGPASSFILE=")), out);
  }

  @Test
  void aMissingProgramIsACommandFailure() {
    DriverException e = assertThrows(DriverException.class, () -> runner.run(ProcessRunner.Spec.of("ghost",
        List.of("/nonexistent/tool"), Duration.ofSeconds(5), tmp.resolve("g.log"))));
    assertEquals(Kind.COMMAND_FAILED, e.kind());
  }
}
