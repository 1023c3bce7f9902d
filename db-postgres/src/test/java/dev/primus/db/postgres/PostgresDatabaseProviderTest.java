package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.DriverSettings;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

final class PostgresDatabaseProviderTest {

  @Test
  void isFoundByItsName() {
    List<String> names = ServiceLoader.load(DatabaseProvider.class, getClass().getClassLoader()).stream()
        .map(p -> p.get().name()).toList();
    assertEquals(List.of("postgres"), names);
  }

  @Test
  void refusesRootWithoutAnOsUserBeforeTouchingAnything() {
    DriverSettings settings = new DriverSettings("n1", PostgresConfigTest.minimal(), Map.of(), Map.of(),
        getClass().getClassLoader());
    DriverException e = assertThrows(DriverException.class,
        () -> PostgresDatabaseProvider.create(settings, new RunAs.Identity(0, "root")));
    assertEquals(Kind.REFUSED, e.kind());
  }

  @Test
  void aWrongBinDirIsNotInstalled() {
    Map<String, Object> section = PostgresConfigTest.minimal();
    section.put("bin_dir", "/nonexistent/pg/bin");
    DriverSettings settings = new DriverSettings("n1", section, Map.of(), Map.of(), getClass().getClassLoader());
    DriverException e = assertThrows(DriverException.class,
        () -> PostgresDatabaseProvider.create(settings, new RunAs.Identity(1000, System.getProperty("user.name"))));
    assertEquals(Kind.NOT_INSTALLED, e.kind());
    assertTrue(e.getMessage().contains("/nonexistent/pg/bin (no PostgreSQL tools)"), e.getMessage());
    assertTrue(e.getMessage().contains("in postgresql.bin_dir"), e.getMessage());
  }
}
