package dev.primus.runner.config;

import java.util.Objects;

/**
 * The {@code citus} section. Parsed so that a Citus configuration is understood, but Primus does not
 * implement Citus yet: loading one yields a warning.
 *
 * @param group    0 for the coordinator, 1, 2, ... for workers
 * @param database the database with the citus extension
 */
public record CitusConfig(int group, String database) {
  public CitusConfig {
    Objects.requireNonNull(database, "database");
  }
}
