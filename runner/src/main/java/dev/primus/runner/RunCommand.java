package dev.primus.runner;

import dev.primus.runner.wiring.Plugins;
import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.ConfigWarning;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import java.io.PrintWriter;
import dev.primus.agent.PrimusRuntime;
import dev.primus.ha.driver.DatabaseProviders;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code primus run [patroni.yml ...]}: the members the files describe, in the foreground until SIGTERM. Several
 * files run several members in this one process (a host with several PostgreSQL instances), sharing one
 * runtime and, where their DCS settings agree, one DCS client; each keeps its own REST API. Without a file
 * the whole configuration comes from {@code PRIMUS_CONFIGURATION} (or {@code PATRONI_CONFIGURATION}), as
 * Patroni allows. Exit status 1 when a configuration is invalid or a member cannot start.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the members the patroni.yml files describe (one file: one member), until SIGTERM.")
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @ParentCommand
  Main main;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..*", paramLabel = "CONFIG", description = "the patroni.yml of each member")
  List<Path> configFiles = new ArrayList<>();

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
    List<Optional<Path>> sources = configFiles.isEmpty() ? List.of(Optional.empty())
        : configFiles.stream().map(Optional::of).toList();
    List<PatroniConfig> configs = new ArrayList<>();
    List<ConfigWarning> warnings = new ArrayList<>();
    for (Optional<Path> source : sources) {
      ConfigLoadResult loaded = source.isPresent()
          ? PatroniConfigLoader.load(source.get(), main.env())
          : PatroniConfigLoader.fromEnvironment(main.env());
      if (loaded instanceof ConfigLoadResult.Invalid invalid) {
        loaded.warnings().forEach(w -> err.println("warning: " + w));
        source.ifPresent(f -> err.println(f + ":"));
        err.print(invalid.describe());
        err.flush();
        return 1;
      }
      warnings.addAll(loaded.warnings());
      configs.add(((ConfigLoadResult.Loaded) loaded).config());
    }
    if (validateOnly) {
      warnings.forEach(w -> out.println("warning: " + w));
      out.println(configs.size() == 1 ? "configuration is valid" : configs.size() + " configurations are valid");
      out.flush();
      return 0;
    }
    Logging.configure(configs.get(0).log());
    warnings.forEach(w -> LOG.warn("{}", w));
    ClassLoader loader;
    Optional<Path> pluginDir;
    try {
      pluginDir = Plugins.directory(Optional.ofNullable(plugins), main.env());
      loader = Plugins.loader(pluginDir, RunCommand.class.getClassLoader());
    } catch (IllegalArgumentException | java.io.IOException e) {
      LOG.error("{}", e.getMessage());
      err.println("Error: " + e.getMessage());
      return 1;
    }
    pluginDir.ifPresent(d -> LOG.info("plugins from {}", d));
    String db = Optional.ofNullable(database)
        .or(() -> Optional.ofNullable(main.env().get("PRIMUS_DATABASE")).filter(s -> !s.isBlank()))
        .orElse(DatabaseProviders.DEFAULT);

    PrimusRuntime runtime = PrimusRuntime.create();
    Stores stores = new Stores();
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < configs.size(); i++) {
      try {
        members.add(Member.start(configs.get(i), sources.get(i), loader, db, runtime, stores));
      } catch (Member.StartException e) {
        LOG.error("cannot start {}: {}", configs.get(i).name(), e.getMessage());
        err.println("Error: " + e.getMessage());
        members.forEach(Member::shutdown);
        stores.close();
        runtime.close();
        Logging.stop();
        return 1;
      }
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      Main.shuttingDown = true;
      try {
        // Every member stops its database and gives its lock up at once, not one after the other.
        members.parallelStream().forEach(Member::shutdown);
        stores.close();
        runtime.close();
      } finally {
        Logging.stop();
      }
    }, "primus-shutdown"));
    Signals.onHangup(() -> members.forEach(Member::reload));
    for (Member m : members) {
      m.awaitShutdown();
    }
    return 0;
  }
}
