package dev.primus.runner.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.compat.CtlTable;
import dev.primus.dcs.model.ClusterView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code primus ctl list}, {@code history} and {@code show-config} print what patronictl 3.0.2 printed. */
class ClusterTableTest {

  static String list(String dump) {
    return ClusterTable.of(PatroniFixtures.view(dump), "demo", false, false).render(ClusterTable.Format.PRETTY);
  }

  @Test
  void theListTableIsPatronictlsCharacterForCharacter() {
    assertEquals(PatroniFixtures.printed("list.txt"), list("01-bootstrapped.json"));
  }

  @Test
  void theJsonFormatIsPatronictlsByteForByte() {
    String json = ClusterTable.of(PatroniFixtures.view("01-bootstrapped.json"), "demo", false, false)
        .render(ClusterTable.Format.JSON);
    assertEquals(PatroniFixtures.printed("list.json"), json);
  }

  @Test
  void maintenanceModeIsReportedUnderTheTable() {
    assertEquals(PatroniFixtures.printed("list-paused.txt"), list("02-paused.json"));
  }

  @Test
  void pendingRestartAddsItsColumn() {
    assertEquals(PatroniFixtures.printed("list-pending.txt"), list("03-pending-restart.json"));
  }

  @Test
  void aScheduledSwitchoverIsShownWithItsTimeAndMembers() {
    String printed = PatroniFixtures.printed("switchover-scheduled.txt");
    // The second table of that session is the one printed after the request was scheduled.
    String afterScheduling = printed.substring(printed.indexOf("Switchover scheduled\n") + "Switchover scheduled\n".length());
    assertEquals(afterScheduling, list("04-scheduled-switchover.json"));
  }

  @Test
  void theTableParsesLikePatronictlsWithTheSameCells() {
    CtlTable ours = CtlTable.parse(list("05-after-switchover.json"));
    assertEquals(java.util.Optional.of("Cluster: demo"), ours.title());
    assertEquals(List.of("Member", "Host", "Role", "State", "TL", "Lag in MB", "Pending restart"), ours.columns());
    assertEquals("Leader", ours.rows().get(0).get("Role"));
    assertEquals("2", ours.rows().get(0).get("TL"));
    assertEquals("", ours.rows().get(0).get("Lag in MB"));
    assertEquals("", ours.rows().get(1).get("Pending restart"));
  }

  @Test
  void aMemberWithoutPositionLagsUnknownAndTopologyNestsReplicas() {
    ClusterView view = PatroniFixtures.view("01-bootstrapped.json");
    String topology = ClusterTable.of(view, "demo", false, true).render(ClusterTable.Format.TOPOLOGY);
    List<String> lines = topology.lines().toList();
    assertTrue(lines.get(3).startsWith("| node2  "), topology);
    assertTrue(lines.get(4).startsWith("| + node1"), topology);
    assertTrue(lines.get(5).startsWith("| + node3"), topology);
  }

  @Test
  void historyIsPatronictlsTable() {
    ClusterView view = PatroniFixtures.view("05-after-switchover.json");
    assertEquals(PatroniFixtures.printed("history.txt"), CtlCommand.history(view.history(), "pretty"));
  }

  @Test
  void showConfigIsPatronictlsYaml() {
    ClusterView view = PatroniFixtures.view("01-bootstrapped.json");
    // patronictl echoes the YAML document, which ends with a newline, and adds one.
    assertEquals(PatroniFixtures.resource("patronictl/show-config.txt"),
        PyYaml.dump(view.config().orElseThrow().value().values()) + "\n");
  }

  @Test
  void lagInMbRoundsHalfToEvenAsPython() {
    assertEquals(2L, Math.round(Math.rint(2.5)));
    assertEquals(4L, Math.round(Math.rint(3.5)));
  }

  @Test
  void hostShowsThePortOnlyWhenNeeded() {
    assertEquals(java.util.Optional.of(new ClusterTable.HostPort("10.0.0.1", java.util.Optional.of(5432))),
        ClusterTable.hostPort("postgres://10.0.0.1:5432/postgres"));
    assertEquals("::1", ClusterTable.hostPort("postgres://[::1]:5433/postgres").orElseThrow().host());
  }
}
