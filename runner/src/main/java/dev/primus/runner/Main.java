package dev.primus.runner;

import dev.primus.runner.ctl.CtlCommand;
import dev.primus.runner.demo.DemoCommand;
import dev.primus.runner.wiring.CommandContext;
import java.io.InputStream;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/**
 * {@code primus}: {@code primus run patroni.yml} runs one agent; {@code primus ctl -c patroni.yml ...}
 * manages a cluster like {@code patronictl}; {@code primus version} prints the version and the backends
 * found; {@code primus demo} runs a local three-member cluster and shows a failover.
 */
@Command(name = "primus", mixinStandardHelpOptions = true, versionProvider = PrimusVersion.Provider.class,
    description = "High availability for PostgreSQL, compatible with Patroni's DCS layout, REST API and patroni.yml.",
    subcommands = {RunCommand.class, CtlCommand.class, DemoCommand.class, VersionCommand.class})
public final class Main implements Callable<Integer>, CommandContext {
  /** Set once the JVM's shutdown began (SIGTERM): {@link #main} must not call System.exit then. */
  static volatile boolean shuttingDown;

  @Override
  public void markShuttingDown() {
    shuttingDown = true;
  }

  private final Map<String, String> env;
  private final InputStream in;

  @Spec
  CommandLine.Model.CommandSpec spec;

  /** The real process: its environment and stdin. */
  public Main() {
    this(System.getenv(), System.in);
  }

  /** For tests and embedders: another environment and input. */
  public Main(Map<String, String> env, InputStream in) {
    this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
    this.in = Objects.requireNonNull(in, "in");
  }

  @Override
  public Map<String, String> env() {
    return env;
  }

  @Override
  public InputStream in() {
    return in;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** The command line for {@code main}, with Primus's exit codes for usage and execution errors. */
  public static CommandLine commandLine(Main main) {
    CommandLine cl = new CommandLine(main);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      line.getErr().println("Error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      return 1;
    });
    return cl;
  }

  public static void main(String[] args) {
    Logging.bridgeJavaUtilLogging();
    int code = commandLine(new Main()).execute(args);
    if (!shuttingDown) {
      // Backend client libraries may leave non-daemon threads behind; the CLI's exit is the exit.
      System.exit(code);
    }
  }
}
