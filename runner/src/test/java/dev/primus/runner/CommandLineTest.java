package dev.primus.runner;

import dev.primus.runner.wiring.Plugins;
import dev.primus.runner.wiring.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** What {@code primus} makes of its command lines, and how it fails. */
class CommandLineTest {

  static CommandLine cli() {
    return Main.commandLine(new Main(Map.of(), new ByteArrayInputStream(new byte[0])));
  }

  static <T> T command(ParseResult r, Class<T> type) {
    ParseResult p = r;
    while (p.hasSubcommand()) {
      p = p.subcommand();
    }
    return type.cast(p.commandSpec().userObject());
  }

  @Test
  void runTakesTheConfigFileAndOptions() {
    ParseResult r = cli().parseArgs("run", "/etc/patroni.yml", "--plugins", "/opt/primus/plugins", "--database", "postgres");
    RunCommand run = command(r, RunCommand.class);
    assertEquals(java.util.List.of(Path.of("/etc/patroni.yml")), run.configFiles);
    assertEquals(Path.of("/opt/primus/plugins"), run.plugins);
    assertEquals("postgres", run.database);
  }

  @Test
  void runWithoutAFileReadsTheEnvironment() {
    RunCommand run = command(cli().parseArgs("run"), RunCommand.class);
    assertEquals(java.util.List.of(), run.configFiles);
  }

  @Test
  void ctlListTakesFormatAndExtended() throws Exception {
    ParseResult r = cli().parseArgs("ctl", "-c", "patroni.yml", "list", "-e", "-f", "json", "demo");
    var list = command(r, Class.forName("dev.primus.runner.ctl.CtlCommand$ListCommand"));
    assertEquals("json", field(list, "format"));
    assertEquals(true, field(list, "extended"));
    assertEquals(List.of("demo"), field(list, "clusters"));
    assertEquals(Path.of("patroni.yml"), field(r.subcommand().commandSpec().userObject(), "configFile"));
  }

  @Test
  void ctlEditConfigCollectsRepeatedSettings() throws Exception {
    ParseResult r = cli().parseArgs("ctl", "-c", "p.yml", "edit-config", "-s", "loop_wait=5", "-s", "ttl=40",
        "-p", "max_connections=200", "--force");
    Object edit = command(r, Class.forName("dev.primus.runner.ctl.CtlCommand$EditConfigCommand"));
    assertEquals(List.of("loop_wait=5", "ttl=40"), field(edit, "sets"));
    assertEquals(List.of("max_connections=200"), field(edit, "pgs"));
    assertEquals(true, field(edit, "force"));
  }

  @Test
  void ctlSwitchoverAcceptsPrimaryAndLeaderSpellings() throws Exception {
    for (String flag : List.of("--leader", "--primary", "--master")) {
      ParseResult r = cli().parseArgs("ctl", "-c", "p.yml", "switchover", flag, "node1", "--candidate", "node2",
          "--scheduled", "2030-01-01T00:00+00:00", "--force");
      Object s = command(r, Class.forName("dev.primus.runner.ctl.CtlActions$Switchover"));
      assertEquals("node1", field(s, "leader"));
      assertEquals("node2", field(s, "candidate"));
      assertEquals("2030-01-01T00:00+00:00", field(s, "scheduled"));
    }
  }

  @Test
  void everyCtlCommandOfTheBriefExists() {
    var ctl = cli().getSubcommands().get("ctl");
    for (String name : List.of("list", "topology", "history", "show-config", "edit-config", "switchover", "failover",
        "pause", "resume", "restart", "reload", "reinit", "remove")) {
      assertTrue(ctl.getSubcommands().containsKey(name), name);
    }
    assertTrue(cli().getSubcommands().containsKey("version"));
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    assertThrows(CommandLine.UnmatchedArgumentException.class, () -> cli().parseArgs("run", "--no-such-option"));
    StringWriter err = new StringWriter();
    CommandLine cl = cli();
    cl.setErr(new PrintWriter(err));
    assertEquals(2, cl.execute("run", "--no-such-option"));
  }

  @Test
  void anInvalidConfigurationExitsWithOneAndNamesTheProblem(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("bad.yml");
    Files.writeString(cfg, "scope: demo\n");
    StringWriter err = new StringWriter();
    CommandLine cl = cli();
    cl.setErr(new PrintWriter(err));
    assertEquals(1, cl.execute("run", cfg.toString()));
    assertTrue(err.toString().contains("name"), err.toString());
  }

  @Test
  void versionPrintsTheVersionAndTheBackendsFound() {
    StringWriter out = new StringWriter();
    CommandLine cl = cli();
    cl.setOut(new PrintWriter(out));
    assertEquals(0, cl.execute("version"));
    assertTrue(out.toString().startsWith("primus "), out.toString());
    assertTrue(out.toString().contains("etcd3"), out.toString());
    assertTrue(out.toString().contains("postgres"), out.toString());
  }

  @Test
  void aMissingBackendNamesTheArtifactToAdd() {
    var e = assertThrows(Backends.MissingBackendException.class,
        () -> Backends.dcs(getClass().getClassLoader(), "kubernetes"));
    assertTrue(e.getMessage().contains("plugins/"), e.getMessage());
    var db = assertThrows(Backends.MissingBackendException.class,
        () -> Backends.database(getClass().getClassLoader(), "opengauss"));
    assertTrue(db.getMessage().contains("dev.primus:primus-db-opengauss"), db.getMessage());
  }

  @Test
  void aNamedPluginDirectoryMustExist(@TempDir Path dir) throws Exception {
    assertThrows(IllegalArgumentException.class,
        () -> Plugins.directory(java.util.Optional.of(dir.resolve("missing")), Map.of()));
    assertEquals(java.util.Optional.of(dir), Plugins.directory(java.util.Optional.empty(),
        Map.of("PRIMUS_PLUGINS", dir.toString())));
    ClassLoader parent = getClass().getClassLoader();
    assertEquals(parent, Plugins.loader(java.util.Optional.of(dir), parent), "no jars, no new loader");
  }

  private static Object field(Object o, String name) throws Exception {
    var f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }
}
