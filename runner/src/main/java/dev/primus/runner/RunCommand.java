package dev.primus.runner;

import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.ConfigWarning;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code primus run [patroni.yml]}: one agent in the foreground until SIGTERM. Without a file the whole
 * configuration comes from {@code PRIMUS_CONFIGURATION} (or {@code PATRONI_CONFIGURATION}), as Patroni
 * allows. Exit status 1 when the configuration is invalid or the agent cannot start.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one agent for the member a patroni.yml describes, until SIGTERM.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @ParentCommand
  Main main;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "the patroni.yml of this member")
  Path configFile;

  @Option(names = "--plugins", paramLabel = "DIR",
      description = "jars of vendor backends (default: $PRIMUS_PLUGINS, else plugins/ next to the jar)")
  Path plugins;

  @Option(names = "--database", paramLabel = "NAME",
      description = "the database provider (default: $PRIMUS_DATABASE, else postgres)")
  String database;

  @Option(names = "--validate-config", description = "check the configuration, print the problems and exit")
  boolean validateOnly;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    ConfigLoadResult loaded = configFile != null
        ? PatroniConfigLoader.load(configFile, main.env())
        : PatroniConfigLoader.fromEnvironment(main.env());
    List<ConfigWarning> warnings = loaded.warnings();
    if (loaded instanceof ConfigLoadResult.Invalid invalid) {
      warnings.forEach(w -> err.println("warning: " + w));
      err.print(invalid.describe());
      err.flush();
      return 1;
    }
    PatroniConfig config = ((ConfigLoadResult.Loaded) loaded).config();
    if (validateOnly) {
      warnings.forEach(w -> out.println("warning: " + w));
      out.println("configuration is valid");
      out.flush();
      return 0;
    }
    Logging.configure(config.log());
    warnings.forEach(w -> LOG.warn("{}", w));
    ClassLoader loader;
    Optional<Path> pluginDir;
    try {
      pluginDir = Plugins.directory(Optional.ofNullable(plugins), main.env());
      loader = Plugins.loader(pluginDir, Main.class.getClassLoader());
    } catch (IllegalArgumentException | java.io.IOException e) {
      LOG.error("{}", e.getMessage());
      err.println("Error: " + e.getMessage());
      return 1;
    }
    pluginDir.ifPresent(d -> LOG.info("plugins from {}", d));
    String db = Optional.ofNullable(database)
        .or(() -> Optional.ofNullable(main.env().get("PRIMUS_DATABASE")).filter(s -> !s.isBlank()))
        .orElse(Backends.DEFAULT_DATABASE);
    Agent agent;
    try {
      agent = Agent.start(config, Optional.ofNullable(configFile), loader, db, Clock.systemUTC());
    } catch (Agent.StartException e) {
      LOG.error("cannot start: {}", e.getMessage());
      err.println("Error: " + e.getMessage());
      Logging.stop();
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Main.shuttingDown = true;
      try {
        agent.shutdown();
      } finally {
        Logging.stop();
      }
    }, "primus-shutdown"));
    Signals.onHangup(() -> agent.loop().commands().reload());
    agent.awaitShutdown();
    return 0;
  }
}
