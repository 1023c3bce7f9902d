package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.ha.LocalState.TimelineSwitch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimelineHistoryFileTest {
  /** pg_wal/00000003.history as PostgreSQL 15 writes it. */
  private static final String SAMPLE = """
      1\t0/3000060\tno recovery target specified

      2\t16/B374D848\tno recovery target specified
      """;

  @Test
  void parsesEveryLineOfAHistoryFile() {
    assertEquals(List.of(new TimelineSwitch(1, 0x3000060L), new TimelineSwitch(2, 0x16B374D848L)),
        TimelineHistoryFile.parse(SAMPLE));
  }

  @Test
  void ignoresCommentsAndRejectsGarbage() {
    assertEquals(List.of(), TimelineHistoryFile.parse("# nothing\n\n"));
    assertThrows(IllegalArgumentException.class, () -> TimelineHistoryFile.parse("1\n"));
  }

  @Test
  void namesTheFileAsPostgresDoes() {
    assertEquals("0000000A.history", TimelineHistoryFile.fileName(10));
  }

  @Test
  void readsTheCurrentTimelinesFileAndTreatsAMissingOneAsEmpty(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("pg_wal"));
    Files.writeString(dir.resolve("pg_wal/00000003.history"), SAMPLE);
    DataDirectory data = new DataDirectory(dir, RunAs.invoker());
    assertEquals(2, data.timelineHistory(3, false).size());
    assertEquals(List.of(), data.timelineHistory(1, false));
    assertEquals(List.of(), data.timelineHistory(4, false));
    // a replica on timeline 2 whose recovery heads to timeline 3
    assertEquals(2, data.timelineHistory(2, true).size());
  }
}
