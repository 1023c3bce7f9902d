package dev.primus.runner.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.Main;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo's checks before it starts anything: timings, PostgreSQL, and how it reads a rejoin. */
class DemoCommandTest {
  record Run(int exit, String out, String err) {}

  static Run demo(Path postgresRoot, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(new Main(Map.of(), new ByteArrayInputStream(new byte[0])));
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    CommandLine demo = cl.getSubcommands().get("demo");
    ((DemoCommand) demo.getCommand()).postgresRoot = postgresRoot;
    String[] argv = new String[args.length + 1];
    argv[0] = "demo";
    System.arraycopy(args, 0, argv, 1, args.length);
    int exit = cl.execute(argv);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void unsafeTimingsAreRefusedBeforeAnythingStarts(@TempDir Path empty) {
    Run r = demo(empty, "--ttl", "7", "--loop-wait", "2", "--retry-timeout", "3");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("loop_wait + 2*retry_timeout <= ttl"), r.err());
    assertTrue(r.out().isEmpty(), "nothing started: " + r.out());
  }

  @Test
  void missingPostgresPrintsTheInstallCommandAndInstallsNothing(@TempDir Path empty) {
    Run r = demo(empty);
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().contains("apt-get install -y postgresql-15"), r.err());
    assertTrue(r.err().contains("--install-missing"), r.err());
    assertTrue(r.out().isEmpty(), "nothing ran: " + r.out());
  }

  @Test
  void findsPostgres15FirstElseTheNewest(@TempDir Path root) throws IOException {
    assertEquals(Optional.empty(), Prerequisites.postgresBinDir(root));
    fakePostgres(root, "13");
    fakePostgres(root, "16");
    assertEquals(Optional.of(root.resolve("16").resolve("bin")), Prerequisites.postgresBinDir(root));
    fakePostgres(root, "15");
    assertEquals(Optional.of(root.resolve("15").resolve("bin")), Prerequisites.postgresBinDir(root));
    Files.createDirectories(root.resolve("17").resolve("bin"));
    assertEquals(Optional.of(root.resolve("15").resolve("bin")), Prerequisites.postgresBinDir(root),
        "a version directory without a postgres binary does not count");
  }

  private static void fakePostgres(Path root, String version) throws IOException {
    Path bin = Files.createDirectories(root.resolve(version).resolve("bin"));
    Path postgres = Files.writeString(bin.resolve("postgres"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(postgres, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void aRejoinIsDescribedByWhatTheAgentLogged() {
    assertEquals("with pg_rewind", DemoCommand.DemoRun.rejoinHow(String.join("\n",
        "INFO: running pg_rewind from (node3)",
        "INFO: Rewind[source=node3] started",
        "INFO: Rewind[source=node3] done")));
    assertEquals("without pg_rewind (its WAL had not diverged)", DemoCommand.DemoRun.rejoinHow(String.join("\n",
        "INFO: starting as a secondary",
        "INFO: StartDatabase[role=REPLICA, upstream=Optional[node3]] done")));
    assertEquals("with a fresh copy (reinitialized)", DemoCommand.DemoRun.rejoinHow(
        "INFO: Reinitialize[source=node3] done"));
  }
}
