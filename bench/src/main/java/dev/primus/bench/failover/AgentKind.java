package dev.primus.bench.failover;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which agent runs the cluster: Primus from its shaded jar, or Debian's Patroni. Both read the same
 * {@code patroni.yml} (Primus reads Patroni's keys), so the two clusters differ only in the agent; the one
 * Primus-only key is {@code postgresql.os_user}, because Primus runs as root and hands PostgreSQL to an
 * unprivileged user, while Patroni refuses root and is itself started as that user.
 */
sealed interface AgentKind permits AgentKind.Primus, AgentKind.Patroni {
  /** For the table. */
  String name();

  /** The command that starts one agent on {@code config}; its stdout and stderr go to the node's log. */
  List<String> command(Path config);

  /** Variables to set for the agent (the rest of the bench's environment is inherited, minus any Patroni/Primus ones). */
  Map<String, String> environment(Node node);

  /** The Primus-only lines under {@code postgresql:}, if any. */
  List<String> postgresqlExtras();

  /** Lines under {@code log:} beyond the level, if any. */
  default List<String> logExtras() {
    return List.of();
  }

  /**
   * Primus started the way an operator starts it: {@code runner/bin/primus run cfg.yml}, which execs
   * {@code java <its lean JVM flags> -jar <jar>} — so the process id is the JVM's and a change of the
   * script's flags is what gets measured.
   *
   * @param script {@code runner/bin/primus}
   * @param jar    a private copy of the shaded jar (a rebuild of runner/ during the run cannot touch it)
   * @param osUser the user PostgreSQL runs as when the agent is root; empty when the bench is not root
   */
  record Primus(Path script, Path jar, String osUser) implements AgentKind {
    @Override
    public String name() {
      return "Primus";
    }

    @Override
    public List<String> command(Path config) {
      return List.of(script.toString(), "run", config.toString());
    }

    @Override
    public Map<String, String> environment(Node node) {
      return Map.of("PRIMUS_JAR", jar.toString());
    }

    @Override
    public List<String> postgresqlExtras() {
      return osUser.isEmpty() ? List.of() : List.of("os_user: " + osUser);
    }

    /** One line per HA loop cycle with its duration and delay, which the bench reads ({@link CycleLog}). */
    @Override
    public List<String> logExtras() {
      return List.of("loggers:", "  " + CycleLog.LOGGER + ": DEBUG");
    }
  }

  /**
   * Patroni, run as the PostgreSQL user when the bench is root ({@code setpriv}, which execs, so the
   * process id is Patroni's own; {@code runuser} would stay in between as the parent).
   *
   * @param binary {@code /usr/bin/patroni}
   * @param osUser the user to run as when root; empty when the bench is not root
   */
  record Patroni(Path binary, String osUser) implements AgentKind {
    @Override
    public String name() {
      return "Patroni";
    }

    @Override
    public List<String> command(Path config) {
      List<String> cmd = new ArrayList<>();
      if (!osUser.isEmpty()) {
        cmd.addAll(List.of("setpriv", "--reuid=" + osUser, "--regid=" + osUser, "--init-groups", "--"));
      }
      cmd.add(binary.toString());
      cmd.add(config.toString());
      return cmd;
    }

    @Override
    public Map<String, String> environment(Node node) {
      // setpriv keeps root's HOME; libpq and Python would look there for files they may not read.
      return Map.of("HOME", node.dir().toString(), "PYTHONUNBUFFERED", "1");
    }

    @Override
    public List<String> postgresqlExtras() {
      return List.of();
    }
  }
}
