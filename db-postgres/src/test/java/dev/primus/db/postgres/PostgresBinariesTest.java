package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class PostgresBinariesTest {
  private final ProcessRunner runner = new ProcessRunner(RunAs.invoker());

  @TempDir
  Path tmp;

  /** A fake bin directory whose postgres prints {@code version}. */
  private Path fakeBin(String name, String version, List<String> tools) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name).resolve("bin"));
    for (String t : tools) {
      Path f = dir.resolve(t);
      Files.writeString(f, "#!/bin/sh\necho '" + t + " (PostgreSQL) " + version + "'\n");
      Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  @Test
  void parsesVersions() {
    assertEquals(Optional.of(15), PostgresBinaries.parseMajor("postgres (PostgreSQL) 15.13 (Debian 15.13-0+deb12u1)"));
    assertEquals(Optional.of(17), PostgresBinaries.parseMajor("postgres (PostgreSQL) 17beta2"));
    assertEquals(Optional.of(9), PostgresBinaries.parseMajor("postgres (PostgreSQL) 9.6.24"));
    assertEquals(Optional.empty(), PostgresBinaries.parseMajor("gs_ctl (openGauss) 5.0.0"));
  }

  @Test
  void takesTheFirstCompleteDirectory() throws IOException, DriverException {
    Path partial = fakeBin("partial", "16.1", List.of("postgres", "pg_ctl"));
    Path old = fakeBin("old", "11.9", PostgresBinaries.TOOLS);
    Path good = fakeBin("good", "15.4", PostgresBinaries.TOOLS);
    PostgresBinaries b = PostgresBinaries.discover(List.of(partial, old, good), false, runner);
    assertEquals(good, b.dir());
    assertEquals(15, b.major());
    assertEquals(good.resolve("pg_rewind"), b.tool("pg_rewind"));
  }

  @Test
  void missingBinariesNameEveryPlaceSearched() throws IOException {
    Path partial = fakeBin("partial", "16.1", List.of("postgres", "pg_ctl"));
    Path old = fakeBin("old", "11.9", PostgresBinaries.TOOLS);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    DriverException e = assertThrows(DriverException.class,
        () -> PostgresBinaries.discover(List.of(partial, old, empty), false, runner));
    assertEquals(Kind.NOT_INSTALLED, e.kind());
    String m = e.getMessage();
    assertTrue(m.contains(partial + " (missing initdb, pg_controldata, pg_basebackup, pg_rewind)"), m);
    assertTrue(m.contains(old + " (PostgreSQL 11, older than 12)"), m);
    assertTrue(m.contains(empty + " (no PostgreSQL tools)"), m);
    assertTrue(m.contains("apt-get install postgresql-15"), m);
  }

  @Test
  void versionedDirectoriesNewestFirst() throws IOException {
    for (String v : List.of("9.6", "15", "12", "16")) {
      Files.createDirectories(tmp.resolve("lib").resolve(v).resolve("bin"));
    }
    Files.createDirectories(tmp.resolve("lib").resolve("common"));
    assertEquals(List.of("16", "15", "12", "9.6"), PostgresBinaries.versioned(tmp.resolve("lib"), "", "bin").stream()
        .map(p -> p.getParent().getFileName().toString()).toList());
  }
}
