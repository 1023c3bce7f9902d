package dev.primus.db.postgres;

import java.util.Map;

import dev.primus.ha.driver.DatabaseDriver;
import dev.primus.ha.driver.DatabaseProvider;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverSettings;

/**
 * The {@code postgres} database provider (PostgreSQL 12 and newer). Creating a driver reads and checks
 * the configuration, finds the server binaries and settles which OS user runs them; it starts nothing.
 */
public final class PostgresDatabaseProvider implements DatabaseProvider {
  public static final String NAME = "postgres";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public DatabaseDriver create(DriverSettings settings) throws DriverException {
    return create(settings, RunAs.Identity.current());
  }

  /** As {@link #create(DriverSettings)} for a given process identity (tests play root without being root). */
  static PostgresDriver create(DriverSettings settings, RunAs.Identity identity) throws DriverException {
    PostgresConfig cfg = PostgresConfig.from(settings);
    RunAs runAs = RunAs.resolve(identity, cfg.osUser());
    ProcessRunner runner = new ProcessRunner(runAs);
    PostgresBinaries bin = PostgresBinaries.discover(cfg.binDir(), runner);
    Map<String, Object> local = settings.section().get("parameters") instanceof Map<?, ?> m
        ? stringKeys(m) : Map.of();
    return new PostgresDriver(cfg, bin, runAs, runner, local);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> m) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }
}
