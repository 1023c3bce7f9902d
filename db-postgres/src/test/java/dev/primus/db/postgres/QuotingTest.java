package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class QuotingTest {

  @Test
  void confValuesAreAlwaysQuotedAndEscaped() {
    assertEquals("'100'", Quoting.confValue("100"));
    assertEquals("'it''s'", Quoting.confValue("it's"));
    assertEquals("'C:\\\\dir'", Quoting.confValue("C:\\dir"));
  }

  @Test
  void scalarsRenderAsPostgresReadsThem() throws DriverException {
    assertEquals("on", Quoting.scalar(true, "k"));
    assertEquals("off", Quoting.scalar(false, "k"));
    assertEquals("30", Quoting.scalar(30, "k"));
    assertEquals("0.9", Quoting.scalar(0.9, "k"));
    DriverException e = assertThrows(DriverException.class, () -> Quoting.scalar("a\nb", "postgresql.parameters.x"));
    assertEquals(Kind.INVALID_CONFIG, e.kind());
    assertThrows(DriverException.class, () -> Quoting.scalar(List.of(1), "k"));
    assertThrows(DriverException.class, () -> Quoting.parameterName("bad name", "k"));
    assertEquals("pg_stat_statements.track", Quoting.parameterName("pg_stat_statements.track", "k"));
  }

  @Test
  void conninfoQuotesOnlyWhatNeedsIt() {
    assertEquals("host=10.0.0.1", Quoting.conninfoPair("host", "10.0.0.1"));
    assertEquals("passfile='/tmp/my pgpass'", Quoting.conninfoPair("passfile", "/tmp/my pgpass"));
    assertEquals("application_name='o\\'neil'", Quoting.conninfoPair("application_name", "o'neil"));
    assertEquals("x=''", Quoting.conninfoPair("x", ""));
  }

  @Test
  void sqlQuoting() {
    assertEquals("'it''s'", Quoting.sqlLiteral("it's"));
    assertEquals("\"Node \"\"1\"\"\"", Quoting.sqlIdentifier("Node \"1\""));
  }

  @Test
  void commandsSplitLikeAShellWithoutOne() throws DriverException {
    assertEquals(List.of("/usr/bin/pgbackrest", "--stanza=main", "--delta", "restore"),
        Quoting.splitCommand("/usr/bin/pgbackrest --stanza=main  --delta restore", "k"));
    assertEquals(List.of("psql", "-c", "CREATE TABLE t (a int)", "it's"),
        Quoting.splitCommand("psql -c 'CREATE TABLE t (a int)' \"it's\"", "k"));
    assertEquals(List.of("a b", "$HOME", "*"), Quoting.splitCommand("a\\ b '$HOME' *", "k"));
    assertEquals(List.of("x\"y"), Quoting.splitCommand("\"x\\\"y\"", "k"));
    assertThrows(DriverException.class, () -> Quoting.splitCommand("echo 'open", "k"));
    assertThrows(DriverException.class, () -> Quoting.splitCommand("   ", "k"));
  }

  @Test
  void toolOptionsAcceptBothPatroniForms() throws DriverException {
    assertEquals(List.of("--max-rate=100M", "--checkpoint=fast"),
        ToolOptions.toArguments(TestMaps.linked("max-rate", "100M", "checkpoint", "fast"), Set.of(), "postgresql.basebackup"));
    assertEquals(List.of("--data-checksums", "--encoding=UTF8", "--locale=en US"),
        ToolOptions.toArguments(List.of("data-checksums", Map.of("encoding", "UTF8"), Map.of("locale", "\"en US\"")),
            Set.of(), "bootstrap.initdb"));
    DriverException reserved = assertThrows(DriverException.class,
        () -> ToolOptions.toArguments(List.of(Map.of("pgdata", "/x")), Set.of("pgdata"), "bootstrap.initdb"));
    assertEquals("bootstrap.initdb: option 'pgdata' is set by Primus and may not be given", reserved.getMessage());
    assertThrows(DriverException.class,
        () -> ToolOptions.toArguments(List.of(Map.of("a", "1", "b", "2")), Set.of(), "bootstrap.initdb"));
    assertThrows(DriverException.class, () -> ToolOptions.toArguments("data-checksums", Set.of(), "bootstrap.initdb"));
  }
}
