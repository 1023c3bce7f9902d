package dev.primus.dcs.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's own behaviour, without a DCS: the configuration it writes and how it fails. */
final class PatroniCtlTest {

  @Test
  void writesScopeNamespaceAndTheDcsSection(@TempDir Path dir) throws Exception {
    PatroniCtl etcd = PatroniCtl.configure(dir.resolve("e"), "/primus-compat/x/", "demo",
        PatroniCtl.Dcs.etcd3("127.0.0.1:2379"));
    assertEquals("""
        scope: "demo"
        namespace: "/primus-compat/x/"
        etcd3:
          hosts: "127.0.0.1:2379"
        """, Files.readString(etcd.configFile()));

    PatroniCtl zk = PatroniCtl.configure(dir.resolve("z"), "service", "demo",
        PatroniCtl.Dcs.zookeeper(List.of("127.0.0.1:2181", "127.0.0.1:2182")));
    assertEquals("""
        scope: "demo"
        namespace: "service"
        zookeeper:
          hosts:
          - "127.0.0.1:2181"
          - "127.0.0.1:2182"
        """, Files.readString(zk.configFile()));
  }

  @Test
  void aMissingPieceFailsWithTheAptCommand() {
    // Whether patronictl itself or only this (made-up) Python module is missing, the message says
    // how to install what the compatibility tests need: they fail, they are never skipped.
    AssertionError e = assertThrows(AssertionError.class, () -> PatroniCtl.require(
        new PatroniCtl.Dcs("", "primus_no_such_python_module", "python3-primus-none")));
    assertTrue(e.getMessage().contains(PatroniCtl.INSTALL), e::getMessage);
  }

  @Test
  void aFailedRunIsAnAssertionThatShowsEverything() {
    PatroniCtl.Result r = new PatroniCtl.Result(List.of("patronictl", "list"), 1, "out\n", "Error: boom\n");
    AssertionError e = assertThrows(AssertionError.class, r::ok);
    assertTrue(e.getMessage().contains("$ patronictl list") && e.getMessage().contains("(exit 1)")
        && e.getMessage().contains("Error: boom"), e::getMessage);
    PatroniCtl.Result fine = new PatroniCtl.Result(List.of("patronictl", "list"), 0, "", "");
    assertEquals(fine, fine.ok());
  }

  @Test
  void quotesWhatYamlWouldOtherwiseReadAsSomethingElse() {
    assertEquals("\"a\\\"b\\\\c\"", PatroniCtl.quote("a\"b\\c"));
    assertEquals("\"on\"", PatroniCtl.quote("on"), "a scope named 'on' stays a string");
  }
}
