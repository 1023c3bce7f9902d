package dev.primus.runner;

import dev.primus.runner.wiring.Plugins;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.ha.driver.DatabaseProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code primus version}: the version, and the DCS and database backends this installation finds. */
@Command(name = "version", description = "Print the version and the backends found.")
final class VersionCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--plugins", paramLabel = "DIR", description = "also look into this plugin directory")
  Path plugins;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    out.println("primus " + PrimusVersion.get());
    ClassLoader loader = Plugins.loader(Plugins.directory(Optional.ofNullable(plugins), main.env()),
        Main.class.getClassLoader());
    out.println("DCS backends: " + String.join(", ", DcsProviders.load(loader).names()));
    TreeSet<String> dbs = new TreeSet<>();
    ServiceLoader.load(DatabaseProvider.class, loader).forEach(p -> dbs.add(p.name()));
    out.println("database drivers: " + String.join(", ", dbs));
    out.flush();
    return 0;
  }
}
