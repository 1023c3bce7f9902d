package dev.primus.db.postgres;

import dev.primus.db.postgres.ConfigFiles.Mode;
import dev.primus.db.postgres.PostgresConfig.CustomBootstrap;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Creates a new cluster: initdb (or the custom bootstrap method), the generated configuration, the
 * first start, the roles from {@code authentication}, then the {@code post_bootstrap} script. The
 * caller owns the cleanup when this fails.
 */
final class Bootstrapper {
  private static final Duration RECOVERY_POLL = Duration.ofMillis(200);

  /** While a restored cluster's passwords are unknown: loopback only, for Primus to set them. */
  static final List<String> LOOPBACK_TRUST = List.of(
      "local all all trust",
      "host all all 127.0.0.1/32 trust",
      "host all all ::1/128 trust");

  private final PostgresConfig cfg;
  private final PostgresBinaries bin;
  private final ProcessRunner runner;
  private final RunAs runAs;
  private final DataDirectory data;
  private final ConfigFiles files;
  private final PgCtl pgCtl;
  private final Sql sql;
  private final LocalAddress address;

  Bootstrapper(PostgresConfig cfg, PostgresBinaries bin, ProcessRunner runner, RunAs runAs, DataDirectory data,
      ConfigFiles files, PgCtl pgCtl, Sql sql, LocalAddress address) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.bin = Objects.requireNonNull(bin, "bin");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.runAs = Objects.requireNonNull(runAs, "runAs");
    this.data = Objects.requireNonNull(data, "data");
    this.files = Objects.requireNonNull(files, "files");
    this.pgCtl = Objects.requireNonNull(pgCtl, "pgCtl");
    this.sql = Objects.requireNonNull(sql, "sql");
    this.address = Objects.requireNonNull(address, "address");
  }

  /** Runs the whole bootstrap; leaves the server running as primary. */
  void run(Optional<String> syncStandbys) throws DriverException {
    Optional<CustomBootstrap> custom = cfg.bootstrap().custom();
    if (custom.isPresent()) {
      runCustom(custom.get());
    } else {
      initdb();
    }
    List<String> hba = cfg.bootstrap().pgHba().isEmpty() ? cfg.pgHba() : cfg.bootstrap().pgHba();
    Optional<Map<String, String>> targeted = custom.flatMap(CustomBootstrap::recoveryConf);
    Optional<String> restoredHba = custom.isPresent() ? data.read(ConfigFiles.HBA) : Optional.empty();
    Mode mode = new Mode(false, Optional.empty(), syncStandbys, targeted, Map.of());
    boolean keepRecovery = custom.map(CustomBootstrap::keepExistingRecoveryConf).orElse(false) && targeted.isEmpty();
    if (keepRecovery) {
      // The restore tool wrote its own recovery settings and signal file; only the generated file changes.
      files.adoptOriginal();
      data.write(ConfigFiles.CONF, ConfigFiles.render(cfg, bin.major(), mode, data.exists(ConfigFiles.BASE_CONF)));
      data.write(ConfigFiles.HBA, String.join("\n", custom.isPresent() ? LOOPBACK_TRUST : hba) + "\n");
    } else {
      files.write(cfg, bin.major(), mode, custom.isPresent() ? LOOPBACK_TRUST : hba);
    }
    pgCtl.start(cfg.pgCtlTimeout());
    if (targeted.isPresent() || keepRecovery) {
      awaitEndOfRecovery();
    }
    createRoles(custom.isPresent());
    runPostBootstrap();
    if (custom.isPresent()) {
      // The restored cluster is ours now: the real pg_hba replaces loopback trust, as a primary.
      files.write(cfg, bin.major(), Mode.primary(syncStandbys), hba);
      if (hba.isEmpty()) {
        data.write(ConfigFiles.HBA, restoredHba.orElse("# Written by Primus: no pg_hba configured and the restore"
            + " brought none; local connections only.\nlocal all all peer\n"));
      }
      pgCtl.reload();
    }
  }

  private void initdb() throws DriverException {
    // initdb fills an empty directory as well as it makes one; made here, a parent that only root may
    // write still works when PostgreSQL runs as os_user.
    data.create();
    List<String> argv = new ArrayList<>(List.of(bin.tool("initdb").toString(), "--pgdata=" + data.path(),
        "--username=" + cfg.superuser().username()));
    java.nio.file.Path pwfile = cfg.logDir().resolve("initdb-pwfile");
    if (cfg.superuser().password().isPresent()) {
      DataDirectory.writePrivate(pwfile, cfg.superuser().password().get() + "\n", runAs);
      argv.add("--pwfile=" + pwfile);
    }
    argv.addAll(cfg.bootstrap().initdbArguments());
    try {
      runner.runChecked(ProcessRunner.Spec.of("initdb", argv, cfg.commandTimeout(), pgCtl.commandLog("initdb"))
          .workDir(cfg.logDir()));
    } finally {
      try {
        java.nio.file.Files.deleteIfExists(pwfile);
      } catch (java.io.IOException ignored) {
        // it sits in the private log directory; the next bootstrap overwrites it
      }
    }
  }

  /**
   * The custom method gets {@code data_dir} absent, as from Patroni: a restore that copies a tree into place
   * creates it. Only the parent is made, when missing. Like Patroni, the command runs in the agent's working
   * directory, so a relative script path in {@code command} resolves there.
   */
  private void runCustom(CustomBootstrap method) throws DriverException {
    data.createParent();
    List<String> argv = new ArrayList<>(method.command());
    if (!method.noParams()) {
      argv.add("--scope=" + cfg.scope().orElse(""));
      argv.add("--datadir=" + data.path());
    }
    runner.runChecked(ProcessRunner.Spec.of("bootstrap method " + method.name(), argv, cfg.commandTimeout(),
        pgCtl.commandLog("bootstrap-" + method.name())).env(Pgpass.environment(cfg)));
    if (!data.holdsCluster()) {
      throw new DriverException(Kind.COMMAND_FAILED, "bootstrap method " + method.name() + " succeeded but left no cluster in "
          + data.path() + " (no PG_VERSION)");
    }
    Optional<Integer> major = data.clusterMajor();
    if (major.isPresent() && major.get() != bin.major()) {
      throw new DriverException(Kind.COMMAND_FAILED, "bootstrap method " + method.name() + " restored a PostgreSQL "
          + major.get() + " cluster but the binaries are " + bin.major());
    }
    data.secure();
  }

  /** A point-in-time restore promotes itself at its target; wait for that before calling it a primary. */
  private void awaitEndOfRecovery() throws DriverException {
    long deadline = System.nanoTime() + cfg.commandTimeout().toNanos();
    while (true) {
      try (Connection c = sql.connect("postgres")) {
        if (!Sql.queryBoolean(c, "SELECT pg_catalog.pg_is_in_recovery()")) {
          return;
        }
      } catch (SQLException e) {
        if (pgCtl.running().isEmpty()) {
          throw new DriverException(Kind.COMMAND_FAILED, "PostgreSQL stopped during recovery of the bootstrapped cluster; see "
              + pgCtl.serverLog());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new DriverException(Kind.TIMEOUT, "the bootstrapped cluster did not finish recovery within "
            + cfg.commandTimeout().toSeconds() + " s");
      }
      try {
        Thread.sleep(RECOVERY_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DriverException(Kind.TIMEOUT, "interrupted while waiting for recovery to end", e);
      }
    }
  }

  private void createRoles(boolean setSuperuserPassword) throws DriverException {
    Sql admin = sql.withTimeouts(Duration.ofSeconds(10), cfg.pgCtlTimeout());
    try (Connection c = admin.connect("postgres")) {
      // Passwords go over the wire as literals: keep them out of the server log.
      Sql.execute(c, "SET log_statement = 'none'");
      Sql.execute(c, "SET log_min_duration_statement = -1");
      Sql.execute(c, "SET log_min_error_statement = 'panic'");
      Sql.execute(c, "SET synchronous_commit = 'local'");
      String su = cfg.superuser().username();
      if (setSuperuserPassword && cfg.superuser().password().isPresent()) {
        role(c, su, cfg.superuser().password(), "SUPERUSER");
      }
      if (!cfg.replication().username().equals(su)) {
        role(c, cfg.replication().username(), cfg.replication().password(), "REPLICATION");
      }
      String rewind = cfg.rewind().username();
      if (!rewind.equals(su)) {
        if (!rewind.equals(cfg.replication().username())) {
          role(c, rewind, cfg.rewind().password(), "");
        }
        // What pg_rewind calls on the source, granted instead of superuser.
        for (String fn : List.of("pg_ls_dir(text, boolean, boolean)", "pg_stat_file(text, boolean)",
            "pg_read_binary_file(text)", "pg_read_binary_file(text, bigint, bigint, boolean)")) {
          Sql.execute(c, "GRANT EXECUTE ON FUNCTION pg_catalog." + fn + " TO " + Quoting.sqlIdentifier(rewind));
        }
      }
    } catch (SQLException e) {
      throw Sql.failure("creating the roles from postgresql.authentication", e);
    }
  }

  private static void role(Connection c, String name, Optional<String> password, String options) throws SQLException {
    boolean exists = Sql.queryString(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", name) != null;
    StringBuilder s = new StringBuilder(exists ? "ALTER ROLE " : "CREATE ROLE ").append(Quoting.sqlIdentifier(name))
        .append(" WITH LOGIN ").append(options);
    password.ifPresent(p -> s.append(" PASSWORD ").append(Quoting.sqlLiteral(p)));
    Sql.execute(c, s.toString());
  }

  private void runPostBootstrap() throws DriverException {
    if (cfg.bootstrap().postBootstrap().isEmpty()) {
      return;
    }
    List<String> argv = new ArrayList<>(cfg.bootstrap().postBootstrap().get());
    // The superuser's URL, over the socket or TCP as the driver connects, with its TLS files as libpq options.
    argv.add(address.libpqUrl(cfg.superuser(), "postgres"));
    Map<String, String> env = new HashMap<>(Pgpass.environment(cfg));
    env.put("PGOPTIONS", "-c synchronous_commit=local -c statement_timeout=0");
    // In the agent's working directory, as Patroni runs it.
    runner.runChecked(ProcessRunner.Spec.of("post_bootstrap", argv, cfg.commandTimeout(), pgCtl.commandLog("post_bootstrap"))
        .env(env));
  }
}
