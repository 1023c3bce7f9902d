package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.ha.driver.DriverException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class SyncStandbyNamesTest {

  @Test
  void rendersFirstAnyAndTheUnquotedWildcard() throws DriverException {
    assertEquals("", SyncStandbyNames.render(List.of(), 0, false));
    assertEquals("FIRST 2 (\"node1\",\"No\"\"de\")", SyncStandbyNames.render(List.of("node1", "No\"de"), 2, false));
    assertEquals("ANY 1 (\"a\",\"b\")", SyncStandbyNames.render(List.of("a", "b"), 1, true));
    assertEquals("FIRST 1 (*)", SyncStandbyNames.render(List.of("*"), 1, false), "a quoted * would name a standby called *");
    assertEquals("FIRST 1 (\"a\")", SyncStandbyNames.render(List.of("a"), 5, false), "never more than listed");
  }

  @Test
  void aCountBelowOneIsRefusedNamingIt() {
    DriverException e = assertThrows(DriverException.class, () -> SyncStandbyNames.render(List.of("a"), 0, false));
    assertEquals(DriverException.Kind.INVALID_CONFIG, e.kind());
  }

  @Test
  void parsesEveryFormPostgresAccepts() {
    assertEquals(Optional.of(SyncStandbyNames.OFF), SyncStandbyNames.parse(""));
    assertEquals(Optional.of(SyncStandbyNames.OFF), SyncStandbyNames.parse("  "));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("a", "b"), 1, false)), SyncStandbyNames.parse(" a , b "));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("a", "b"), 2, false)), SyncStandbyNames.parse("2 (a, b)"));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("node1", "No\"de"), 2, false)),
        SyncStandbyNames.parse("FIRST 2 (\"node1\",\"No\"\"de\")"));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("a", "*"), 1, true)), SyncStandbyNames.parse("any 1 (a,*)"));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("*"), 1, false)), SyncStandbyNames.parse("*"));
    assertEquals(Optional.of(new SyncStandbyNames(List.of("first"), 1, false)), SyncStandbyNames.parse("first"),
        "a standby may be called first");
  }

  @Test
  void rendersWhatItParses() throws DriverException {
    String v = SyncStandbyNames.render(List.of("node2", "node3"), 2, false);
    assertEquals(Optional.of(new SyncStandbyNames(List.of("node2", "node3"), 2, false)), SyncStandbyNames.parse(v));
  }

  @Test
  void garbageIsUnknown() {
    for (String bad : List.of("a,", "1", "2 (,)", "FIRST 2 (a b)", "ANY 1 (a", "a;b")) {
      assertEquals(Optional.empty(), SyncStandbyNames.parse(bad), bad);
    }
  }
}
