package dev.primus.runner.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.Timings;
import dev.primus.runner.wiring.CommandContext;
import dev.primus.runner.wiring.Plugins;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code primus ctl -c patroni.yml <command>}: cluster management in the manner of {@code patronictl}.
 * Reading commands go to the DCS directly; commands that change a member go to its REST API (a
 * switchover falls back to writing the {@code failover} key when the leader's API does not answer), and
 * configuration edits are CAS writes of the {@code config} key.
 *
 * <p>The configuration file is {@code -c FILE}, else {@code $PRIMUS_CTL_CONFIG}, else
 * {@code $PATRONICTL_CONFIG_FILE}, else {@code ~/.config/patroni/patronictl.yaml}. It may be a member's
 * full {@code patroni.yml} or just a DCS section with a scope ({@link CtlSettings}).
 */
@Command(name = "ctl", mixinStandardHelpOptions = true,
    description = "Manage a cluster: list, switchover, edit-config, pause, ... (patronictl's commands).",
    subcommands = {
        CtlCommand.ListCommand.class, CtlCommand.TopologyCommand.class, CtlCommand.HistoryCommand.class,
        CtlCommand.ShowConfigCommand.class, CtlCommand.EditConfigCommand.class,
        CtlActions.Switchover.class, CtlActions.Failover.class, CtlActions.Pause.class, CtlActions.Resume.class,
        CtlActions.Restart.class, CtlActions.Reload.class, CtlActions.Reinit.class, CtlActions.Remove.class})
public final class CtlCommand implements Callable<Integer> {
  @ParentCommand
  CommandContext main;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = {"-c", "--config-file"}, paramLabel = "FILE", description = "the configuration to read")
  Path configFile;

  @Option(names = "--plugins", paramLabel = "DIR", description = "jars of vendor DCS backends")
  Path plugins;

  @Option(names = {"-k", "--insecure"}, description = "do not check the members' HTTPS certificates (ctl.insecure)")
  boolean insecure;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  /** The configuration file this invocation reads. */
  Path configPath() {
    if (configFile != null) {
      return configFile;
    }
    Map<String, String> env = main.env();
    for (String var : List.of("PRIMUS_CTL_CONFIG", "PATRONICTL_CONFIG_FILE")) {
      String v = env.get(var);
      if (v != null && !v.isBlank()) {
        return Path.of(v);
      }
    }
    return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config", "patroni", "patronictl.yaml");
  }

  CtlContext open(PrintWriter out, PrintWriter err) throws IOException {
    Path file = configPath();
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("configuration file " + file + " not found (give one with -c)");
    }
    ClassLoader loader = Plugins.loader(Plugins.directory(Optional.ofNullable(plugins), main.env()),
        CtlCommand.class.getClassLoader());
    Set<String> dcsNames = new LinkedHashSet<>(DcsProviders.load(loader).names());
    dcsNames.addAll(CtlSettings.PATRONI_DCS);
    CtlSettings read = CtlSettings.read(file, main.env(), dcsNames);
    CtlSettings settings = insecure ? read.insecure() : read;
    BufferedReader in = new BufferedReader(new InputStreamReader(main.in(), StandardCharsets.UTF_8));
    return new CtlContext(settings, loader, in, out, err);
  }

  /**
   * A ctl subcommand: opens the context, runs, and turns the expected failures (a DCS that does not
   * answer, a bad argument) into one {@code Error:} line and exit status 1.
   */
  abstract static class Sub implements Callable<Integer> {
    @ParentCommand
    CtlCommand ctl;

    @Spec
    CommandLine.Model.CommandSpec spec;

    abstract int run(CtlContext ctx) throws Exception;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try (CtlContext ctx = ctl.open(out, err)) {
        return run(ctx);
      } catch (DcsException e) {
        err.println("Error: the DCS did not answer: " + e.getMessage());
        return 1;
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("Error: " + e.getMessage());
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }
  }

  /** {@code list [cluster...] [-e] [-t] [-f pretty|json|yaml|tsv] [-W | -w N]}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the members of a cluster.")
  static final class ListCommand extends Sub {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER")
    List<String> clusters = new ArrayList<>();

    @Option(names = {"-e", "--extended"}, description = "show pending restart, scheduled restart and tags columns")
    boolean extended;

    @Option(names = {"-t", "--timestamp"}, description = "print a timestamp first")
    boolean timestamp;

    @Option(names = {"-f", "--format"}, defaultValue = "pretty", description = "pretty, json, yaml or tsv")
    String format;

    @Option(names = "-W", description = "watch, refreshing every 2 s")
    boolean watchDefault;

    @Option(names = {"-w", "--watch"}, paramLabel = "SECONDS", description = "watch, refreshing every SECONDS")
    Double watch;

    /** Set by {@code topology}: the same listing drawn as a tree. */
    boolean topology;

    @Override
    int run(CtlContext ctx) throws Exception {
      ClusterTable.Format fmt = format(format, topology);
      List<String> names = clusters.isEmpty() ? List.of(ctx.cluster(Optional.empty())) : clusters;
      Optional<Duration> every = watch != null ? Optional.of(Duration.ofMillis((long) (watch * 1000)))
          : watchDefault ? Optional.of(Duration.ofSeconds(2)) : Optional.empty();
      while (true) {
        if (timestamp) {
          ctx.out.println(CtlContext.timestamp(LocalDateTime.now()).substring(0, 19));
        }
        for (String name : names) {
          ClusterView view = ctx.read(name);
          ctx.out.println(ClusterTable.of(view, name, extended, topology).render(fmt));
        }
        ctx.out.flush();
        if (every.isEmpty()) {
          return 0;
        }
        Thread.sleep(every.get().toMillis());
      }
    }
  }

  /** {@code topology}: {@code list} drawn as a tree by {@code replicatefrom}. */
  @Command(name = "topology", mixinStandardHelpOptions = true, description = "Show the replication topology.")
  static final class TopologyCommand extends Sub {
    @Parameters(arity = "0..*", paramLabel = "CLUSTER")
    List<String> clusters = new ArrayList<>();

    @Option(names = "-W", description = "watch, refreshing every 2 s")
    boolean watchDefault;

    @Option(names = {"-w", "--watch"}, paramLabel = "SECONDS")
    Double watch;

    @Override
    int run(CtlContext ctx) throws Exception {
      ListCommand list = new ListCommand();
      list.topology = true;
      list.clusters = clusters;
      list.format = "pretty";
      list.watch = watch;
      list.watchDefault = watchDefault;
      return list.run(ctx);
    }
  }

  static ClusterTable.Format format(String text, boolean topology) {
    switch (text.toLowerCase(java.util.Locale.ROOT)) {
      case "pretty":
        return topology ? ClusterTable.Format.TOPOLOGY : ClusterTable.Format.PRETTY;
      case "json":
        return ClusterTable.Format.JSON;
      case "yaml":
      case "yml":
        return ClusterTable.Format.YAML;
      case "tsv":
        return ClusterTable.Format.TSV;
      default:
        throw new IllegalArgumentException("unknown format '" + text + "': pretty, json, yaml or tsv");
    }
  }

  /** {@code history}: the {@code history} key as a table. */
  @Command(name = "history", mixinStandardHelpOptions = true, description = "Show the failover history.")
  static final class HistoryCommand extends Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = {"-f", "--format"}, defaultValue = "pretty", description = "pretty, json, yaml or tsv")
    String format;

    @Override
    int run(CtlContext ctx) throws Exception {
      ClusterView view = ctx.read(ctx.cluster(Optional.ofNullable(cluster)));
      ctx.out.println(history(view.history(), format));
      return 0;
    }
  }

  static String history(TimelineHistory h, String format) {
    List<String> columns = List.of("TL", "LSN", "Reason", "Timestamp", "New Leader");
    List<List<Object>> rows = new ArrayList<>();
    for (TimelineHistory.Entry e : h.entries()) {
      rows.add(List.of(e.timeline(), e.switchLsn(), e.reason(), e.timestamp().orElse(""), e.newLeader().orElse("")));
    }
    switch (format.toLowerCase(java.util.Locale.ROOT)) {
      case "json":
      case "yaml":
      case "yml": {
        List<Map<String, Object>> elements = new ArrayList<>();
        for (List<Object> r : rows) {
          Map<String, Object> m = new LinkedHashMap<>();
          for (int i = 0; i < columns.size(); i++) {
            m.put(columns.get(i), r.get(i));
          }
          elements.add(m);
        }
        return format.equalsIgnoreCase("json") ? PyJson.dumps(elements) : PyYaml.dump(elements).stripTrailing();
      }
      case "tsv": {
        List<String> lines = new ArrayList<>();
        lines.add(String.join("\t", columns));
        rows.forEach(r -> lines.add(String.join("\t", r.stream().map(String::valueOf).toList())));
        return String.join("\n", lines);
      }
      default: {
        List<List<String>> cells = rows.stream().map(r -> r.stream().map(String::valueOf).toList()).toList();
        return TextTable.render(columns, cells, Set.of("TL", "LSN"), Optional.empty());
      }
    }
  }

  /** {@code show-config}: the {@code config} key as YAML. */
  @Command(name = "show-config", mixinStandardHelpOptions = true, description = "Show the dynamic configuration.")
  static final class ShowConfigCommand extends Sub {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Override
    int run(CtlContext ctx) throws Exception {
      ClusterView view = ctx.read(ctx.cluster(Optional.ofNullable(cluster)));
      Map<String, Object> values = view.config().map(c -> c.value().values()).orElse(Map.of());
      ctx.out.println(PyYaml.dump(values));
      return 0;
    }
  }

  /**
   * {@code edit-config}: changes from {@code -s}, {@code -p}, {@code --apply}, {@code --replace}, or an
   * editor; shows the unified diff, asks, then writes the {@code config} key by CAS on the version read.
   */
  @Command(name = "edit-config", mixinStandardHelpOptions = true, description = "Change the dynamic configuration.")
  static final class EditConfigCommand extends Sub {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Parameters(arity = "0..1", paramLabel = "CLUSTER")
    String cluster;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "set a key (dotted path); null removes it")
    List<String> sets = new ArrayList<>();

    @Option(names = {"-p", "--pg"}, paramLabel = "PARAM=VALUE", description = "set postgresql.parameters.PARAM")
    List<String> pgs = new ArrayList<>();

    @Option(names = "--apply", paramLabel = "FILE", description = "merge a YAML file (- for stdin)")
    String applyFile;

    @Option(names = "--replace", paramLabel = "FILE", description = "replace with a YAML file (- for stdin)")
    String replaceFile;

    @Option(names = "--force", description = "do not ask for confirmation")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "do not show the diff")
    boolean quiet;

    @Override
    int run(CtlContext ctx) throws Exception {
      String name = ctx.cluster(Optional.ofNullable(cluster));
      ClusterView view = ctx.read(name);
      Optional<Versioned<DynamicConfig>> current = view.config();
      Map<String, Object> before = current.map(c -> c.value().values()).orElse(Map.of());
      String beforeText = PyYaml.dump(before);
      Map<String, Object> changed = ConfigEdits.deepCopy(before);
      boolean edited = false;
      if (replaceFile != null) {
        changed = yamlFile(replaceFile, ctx);
        edited = true;
      }
      if (applyFile != null) {
        changed = new DynamicConfig(changed).mergePatch(yamlFile(applyFile, ctx)).values();
        changed = ConfigEdits.deepCopy(changed);
        edited = true;
      }
      if (!sets.isEmpty() || !pgs.isEmpty()) {
        List<String> pairs = new ArrayList<>(sets);
        pgs.forEach(p -> pairs.add("postgresql.parameters." + p.stripLeading()));
        changed = ConfigEdits.apply(changed, pairs);
        edited = true;
      }
      if (!edited) {
        changed = editor(beforeText, ctx);
      }
      if (new DynamicConfig(changed).equals(new DynamicConfig(before))) {
        if (!quiet) {
          ctx.out.println("Not changed");
        }
        return 0;
      }
      DynamicConfig next = new DynamicConfig(changed);
      java.util.Map<String, Object> touched = new java.util.LinkedHashMap<>();
      changed.forEach((k, v) -> {
        if (!java.util.Objects.equals(v, before.get(k))) {
          touched.put(k, v);
        }
      });
      java.util.Optional<String> refused = dev.primus.runner.config.Refusals.inDynamicChange(touched)
          .or(() -> dev.primus.runner.config.DynamicConfigCheck.firstProblem(touched));
      if (refused.isPresent()) {
        throw new IllegalArgumentException("refusing the change: " + refused.get());
      }
      try {
        new Timings(next.ttl(), next.loopWait(), next.retryTimeout()).boundedWarning()
            .ifPresent(w -> ctx.err.println("Warning: " + w));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("refusing the change: " + e.getMessage());
      }
      if (!quiet) {
        ctx.out.print(UnifiedDiff.diff(beforeText, PyYaml.dump(changed), "", ""));
      }
      if (("-".equals(applyFile) || "-".equals(replaceFile)) && !force) {
        ctx.out.println("Use --force option to apply changes");
        return 0;
      }
      if (!force && !ctx.confirm("Apply these changes?")) {
        return 0;
      }
      WriteResult w = ctx.dcs(name).writeConfig(next, current.map(Versioned::version));
      if (!w.succeeded()) {
        throw new IllegalStateException("Config modification aborted due to concurrent changes");
      }
      ctx.out.println("Configuration changed");
      return 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yamlFile(String file, CtlContext ctx) throws IOException {
      Object v = file.equals("-") ? YAML.readValue(System.in, Object.class) : YAML.readValue(Path.of(file).toFile(), Object.class);
      if (v == null) {
        return new LinkedHashMap<>();
      }
      if (!(v instanceof Map<?, ?>)) {
        throw new IllegalArgumentException(file + " does not hold a YAML mapping");
      }
      return ConfigEdits.deepCopy((Map<String, Object>) v);
    }

    /** $EDITOR (or vi) on a temporary file holding the configuration; the saved file is the new one. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> editor(String text, CtlContext ctx) throws IOException, InterruptedException {
      String editor = Optional.ofNullable(ctl.main.env().get("EDITOR")).filter(s -> !s.isBlank()).orElse("vi");
      Path tmp = Files.createTempFile("primus-config-", ".yaml");
      try {
        Files.writeString(tmp, text);
        List<String> cmd = new ArrayList<>(List.of(editor.split("\\s+")));
        cmd.add(tmp.toString());
        int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
        if (rc != 0) {
          throw new IllegalStateException("the editor " + editor + " exited with " + rc);
        }
        Object v = YAML.readValue(tmp.toFile(), Object.class);
        return v instanceof Map<?, ?> m ? ConfigEdits.deepCopy((Map<String, Object>) m) : new LinkedHashMap<>();
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
