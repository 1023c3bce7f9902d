package dev.primus.dcs.compat;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The table parser on what Patroni 3.0.2's {@code patronictl} printed for its own cluster (the shared
 * fixtures {@code patroni-3.0.2/patronictl/*.txt}, copied here because they are small), so the
 * compatibility kit's assertions rest on a parser that is right about real output.
 */
final class CtlTableTest {

  /** fixture {@code patronictl/list-paused.txt} */
  private static final String LIST_PAUSED = """
      + Cluster: demo -----------+---------+---------+----+-----------+
      | Member | Host            | Role    | State   | TL | Lag in MB |
      +--------+-----------------+---------+---------+----+-----------+
      | node1  | 127.0.0.1:54321 | Replica | running |  1 |         0 |
      | node2  | 127.0.0.1:54322 | Leader  | running |  1 |           |
      | node3  | 127.0.0.1:54323 | Replica | running |  1 |         0 |
      +--------+-----------------+---------+---------+----+-----------+
       Maintenance mode: on
      """;

  /** fixture {@code patronictl/switchover.txt}: two tables, the first one is parsed */
  private static final String SWITCHOVER = """
      Current cluster topology
      + Cluster: demo -----------+---------+---------+----+-----------+-----------------+
      | Member | Host            | Role    | State   | TL | Lag in MB | Pending restart |
      +--------+-----------------+---------+---------+----+-----------+-----------------+
      | node1  | 127.0.0.1:54321 | Replica | running |  1 |         0 | *               |
      | node2  | 127.0.0.1:54322 | Leader  | running |  1 |           | *               |
      | node3  | 127.0.0.1:54323 | Replica | running |  1 |         0 | *               |
      +--------+-----------------+---------+---------+----+-----------+-----------------+
      2026-11-22 04:16:03.98059 Successfully switched over to "node1"
      + Cluster: demo -----------+---------+----------+----+-----------+-----------------+
      | Member | Host            | Role    | State    | TL | Lag in MB | Pending restart |
      +--------+-----------------+---------+----------+----+-----------+-----------------+
      | node1  | 127.0.0.1:54321 | Leader  | running  |  2 |           | *               |
      | node2  | 127.0.0.1:54322 | Replica | stopping |    |   unknown | *               |
      | node3  | 127.0.0.1:54323 | Replica | running  |  1 |         0 | *               |
      +--------+-----------------+---------+----------+----+-----------+-----------------+
      """;

  /** the tail of fixture {@code patronictl/switchover-scheduled.txt} */
  private static final String SCHEDULED = """
      + Cluster: demo -----------+---------+---------+----+-----------+
      | Member | Host            | Role    | State   | TL | Lag in MB |
      +--------+-----------------+---------+---------+----+-----------+
      | node2  | 127.0.0.1:54322 | Leader  | running |  1 |           |
      +--------+-----------------+---------+---------+----+-----------+
       Switchover scheduled at: 2026-11-22T05:16:00+00:00
                          from: node2
                            to: node1
      """;

  /** fixture {@code patronictl/history.txt}: no title */
  private static final String HISTORY = """
      +----+----------+------------------------------+----------------------------------+------------+
      | TL |      LSN | Reason                       | Timestamp                        | New Leader |
      +----+----------+------------------------------+----------------------------------+------------+
      |  1 | 67109256 | no recovery target specified | 2026-11-22T04:16:03.398029+00:00 | node1      |
      +----+----------+------------------------------+----------------------------------+------------+
      """;

  /**
   * Printed by Patroni 3.0.2's own table code for a member with two tags: a cell of two lines makes
   * prettytable draw a border under every row.
   */
  private static final String MULTI_LINE = """
      + Cluster: demo ----------+---------+---------+----+-----------+------------------+
      | Member | Host           | Role    | State   | TL | Lag in MB | Tags             |
      +--------+----------------+---------+---------+----+-----------+------------------+
      | node1  | 127.0.0.1:5441 | Leader  | running |  3 |           |                  |
      +--------+----------------+---------+---------+----+-----------+------------------+
      | node3  | 127.0.0.1:5443 | Replica | running |  2 |        42 | nofailover: true |
      |        |                |         |         |    |           | nosync: true     |
      +--------+----------------+---------+---------+----+-----------+------------------+
      """;

  @Test
  void listWithMaintenanceMode() {
    CtlTable t = CtlTable.parse(LIST_PAUSED);
    assertAll(
        () -> assertEquals(Optional.of("Cluster: demo"), t.title()),
        () -> assertEquals(List.of("Member", "Host", "Role", "State", "TL", "Lag in MB"), t.columns()),
        () -> assertEquals(List.of("node1", "node2", "node3"), t.column("Member")),
        () -> assertEquals(Map.of("Member", "node2", "Host", "127.0.0.1:54322", "Role", "Leader", "State", "running",
            "TL", "1", "Lag in MB", ""), t.row("Member", "node2")),
        () -> assertEquals(List.of("0", "", "0"), t.column("Lag in MB")),
        () -> assertEquals(List.of("Maintenance mode: on"), t.trailer()),
        () -> assertEquals(List.of(), t.preamble()));
  }

  @Test
  void onlyTheFirstTableAndItsIndentedTrailerAreParsed() {
    CtlTable t = CtlTable.parse(SWITCHOVER);
    assertAll(
        () -> assertEquals(List.of("Current cluster topology"), t.preamble()),
        () -> assertEquals("Leader", t.row("Member", "node2").get("Role")),
        () -> assertEquals(List.of("*", "*", "*"), t.column("Pending restart")),
        () -> assertEquals(List.of(), t.trailer(), "the timestamped line is not service info"));
  }

  @Test
  void scheduledSwitchoverLinesKeepTheirAlignment() {
    assertEquals(List.of("Switchover scheduled at: 2026-11-22T05:16:00+00:00",
        "                   from: node2", "                     to: node1"), CtlTable.parse(SCHEDULED).trailer());
  }

  @Test
  void historyHasNoTitle() {
    CtlTable t = CtlTable.parse(HISTORY);
    assertEquals(Optional.empty(), t.title());
    assertEquals(List.of(Map.of("TL", "1", "LSN", "67109256", "Reason", "no recovery target specified",
        "Timestamp", "2026-11-22T04:16:03.398029+00:00", "New Leader", "node1")), t.rows());
  }

  @Test
  void multiLineCellsJoinIntoOneRow() {
    CtlTable t = CtlTable.parse(MULTI_LINE);
    assertEquals(List.of("node1", "node3"), t.column("Member"));
    assertEquals("nofailover: true\nnosync: true", t.row("Member", "node3").get("Tags"));
    assertEquals("", t.row("Member", "node1").get("Tags"));
  }

  @Test
  void whatIsNotATableIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> CtlTable.parse("Error: Can not find a suitable member\n"));
    assertThrows(IllegalArgumentException.class, () -> CtlTable.parse(HISTORY.lines().limit(4)
        .reduce("", (a, b) -> a + b + "\n")), "a table without its bottom border");
    assertThrows(IllegalArgumentException.class, () -> CtlTable.parse(LIST_PAUSED.replace("| node2  |", "| node2   ")),
        "a row whose separators do not line up with the border");
  }

  @Test
  void aRowLookupThatIsNotUniqueFails() {
    CtlTable t = CtlTable.parse(LIST_PAUSED);
    assertThrows(AssertionError.class, () -> t.row("Role", "Replica"));
    assertThrows(AssertionError.class, () -> t.row("Member", "node9"));
    assertThrows(AssertionError.class, () -> t.column("Tags"));
  }
}
