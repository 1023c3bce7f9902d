package dev.primus.db.postgres;

import dev.primus.db.postgres.PostgresConfig.Credentials;
import dev.primus.ha.driver.DriverException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The password file the tools (pg_basebackup, pg_rewind, scripts) and the walreceiver read, so no
 * password ever appears on a command line or in postgresql.conf. One wildcard line per user.
 */
final class Pgpass {
  private Pgpass() {}

  static String render(List<Credentials> credentials) {
    StringBuilder out = new StringBuilder();
    Set<String> users = new LinkedHashSet<>();
    for (Credentials c : credentials) {
      // libpq takes the first matching line, so a user name appears once: the first credential wins.
      if (c.password().isPresent() && users.add(c.username())) {
        out.append("*:*:*:").append(escape(c.username())).append(':').append(escape(c.password().get())).append('\n');
      }
    }
    return out.toString();
  }

  static void write(PostgresConfig cfg, RunAs runAs) throws DriverException {
    DataDirectory.writePrivate(cfg.pgpass(), render(List.of(cfg.replication(), cfg.rewind(), cfg.superuser())), runAs);
  }

  /** Environment for a tool that should find its password in the file. */
  static Map<String, String> environment(PostgresConfig cfg) {
    return Map.of("PGPASSFILE", cfg.pgpass().toString(), "PGCONNECT_TIMEOUT", "10");
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace(":", "\\:");
  }
}
