package dev.primus.db.postgres;

import dev.primus.db.postgres.PostgresConfig.Credentials;
import dev.primus.db.postgres.PostgresConfig.ReplicaMethod;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import dev.primus.ha.driver.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a replica's data directory with the configured methods, in order, until one succeeds:
 * {@code basebackup} (pg_basebackup streaming its WAL) or a custom command. Methods that need a source are
 * skipped when there is none. As in Patroni: a custom method finds {@code data_dir} absent (a non-empty one
 * is removed first) unless it has {@code keep_data}; it runs in the agent's working directory, so a relative
 * command resolves there; without {@code no_params} it gets {@code --scope --role --datadir --connstring}
 * and its section's flags. A failed method's leftovers are removed unless it keeps data.
 */
final class ReplicaBuilder {
  private static final System.Logger LOG = System.getLogger(ReplicaBuilder.class.getName());

  private final PostgresConfig cfg;
  private final PostgresBinaries bin;
  private final ProcessRunner runner;
  private final DataDirectory data;
  private final PgCtl pgCtl;

  ReplicaBuilder(PostgresConfig cfg, PostgresBinaries bin, ProcessRunner runner, DataDirectory data, PgCtl pgCtl) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.bin = Objects.requireNonNull(bin, "bin");
    this.runner = Objects.requireNonNull(runner, "runner");
    this.data = Objects.requireNonNull(data, "data");
    this.pgCtl = Objects.requireNonNull(pgCtl, "pgCtl");
  }

  /** The methods that apply: all of them with a source, only {@code no_leader} ones without. */
  List<ReplicaMethod> applicable(Optional<Upstream> source) {
    return source.isPresent() ? cfg.replicaMethods()
        : cfg.replicaMethods().stream().filter(ReplicaMethod::noLeader).toList();
  }

  /** Runs the methods in order; returns the name of the one that produced a cluster. */
  String build(Optional<Upstream> source) throws DriverException {
    List<ReplicaMethod> methods = applicable(source);
    if (methods.isEmpty()) {
      throw new DriverException(Kind.INVALID_CONFIG, "no member to clone from and no method in "
          + "postgresql.create_replica_methods has no_leader set");
    }
    List<String> failures = new ArrayList<>();
    for (ReplicaMethod m : methods) {
      if (!data.isEmpty() && !m.keepData()) {
        data.remove();
      }
      if (m.isBasebackup()) {
        // pg_basebackup fills an empty directory as well as it makes one; made here it is the OS user's.
        data.create();
      } else {
        data.createParent();
      }
      try {
        run(m, source);
        if (data.holdsCluster()) {
          return m.name();
        }
        failures.add(m.name() + ": finished but left no cluster (no PG_VERSION) in " + data.path());
      } catch (DriverException e) {
        if (e.kind() == Kind.INVALID_CONFIG) {
          throw e;
        }
        failures.add(m.name() + ": " + e.getMessage());
        LOG.log(System.Logger.Level.WARNING, "replica method {0} failed: {1}", m.name(), e.getMessage());
      }
      if (!m.keepData()) {
        data.remove();
      }
    }
    throw new DriverException(Kind.COMMAND_FAILED, "every replica method failed: " + String.join(" / ", failures));
  }

  private void run(ReplicaMethod m, Optional<Upstream> source) throws DriverException {
    String conninfo = source.isPresent() ? conninfo(cfg.replication(), source.get(), cfg.memberName()) : "";
    List<String> argv = new ArrayList<>();
    ProcessRunner.Spec spec;
    if (m.isBasebackup()) {
      argv.add(bin.tool("pg_basebackup").toString());
      argv.add("--pgdata=" + data.path());
      argv.add("--wal-method=stream");
      argv.add("--dbname=" + conninfo);
      argv.addAll(m.arguments());
      spec = ProcessRunner.Spec.of("replica method " + m.name(), argv, cfg.commandTimeout(),
          pgCtl.commandLog("replica-" + m.name())).workDir(cfg.logDir());
    } else {
      argv.addAll(m.command());
      argv.addAll(m.arguments());
      if (!m.noParams()) {
        argv.addAll(m.flagArguments());
        argv.add("--scope=" + cfg.scope().orElse(""));
        argv.add("--role=replica");
        argv.add("--datadir=" + data.path());
        argv.add("--connstring=" + conninfo);
      }
      // No working directory of its own: the agent's, where Patroni runs the command too.
      spec = ProcessRunner.Spec.of("replica method " + m.name(), argv, cfg.commandTimeout(),
          pgCtl.commandLog("replica-" + m.name()));
    }
    runner.runChecked(spec.env(Pgpass.environment(cfg)));
  }

  /** A libpq connection string to {@code source} as {@code who}; the password comes from the pgpass file. */
  static String conninfo(Credentials who, Upstream source, String applicationName) throws DriverException {
    ConnUrl url = ConnUrl.parse(source.connUrl());
    StringBuilder s = new StringBuilder();
    s.append(Quoting.conninfoPair("host", url.host()));
    s.append(' ').append(Quoting.conninfoPair("port", Integer.toString(url.port())));
    s.append(' ').append(Quoting.conninfoPair("user", who.username()));
    s.append(' ').append(Quoting.conninfoPair("dbname", "postgres"));
    for (Map.Entry<String, String> e : who.options().entrySet()) {
      s.append(' ').append(Quoting.conninfoPair(e.getKey(), e.getValue()));
    }
    s.append(' ').append(Quoting.conninfoPair("application_name", applicationName));
    return s.toString();
  }
}
