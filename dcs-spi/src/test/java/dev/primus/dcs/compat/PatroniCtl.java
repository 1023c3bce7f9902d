package dev.primus.dcs.compat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The real {@code patronictl} of Debian's {@code patroni} package, run as a subprocess against a DCS
 * that Primus wrote, with a minimal configuration file: {@code scope}, {@code namespace} and one DCS
 * section. Nothing else of Patroni runs; {@code patronictl} reads the DCS itself.
 *
 * <p>There is no skipping: without the package, or without the Python client library Patroni needs
 * for the DCS in question ({@code etcd} for etcd3, {@code kazoo} for ZooKeeper), {@link #require}
 * fails and names the apt command that installs it. The expectations of the compatibility kit are
 * those of Patroni 3.0.2, the version Debian 12 ships, so another version fails too, saying so.
 *
 * <p>The child gets no {@code PATRONI_*}, {@code PATRONICTL_*} or {@code DCS_URL} variables from
 * the test's environment: Patroni reads them as configuration, and a stray one would point it
 * elsewhere.
 */
public final class PatroniCtl {
  public static final Path BINARY = Path.of("/usr/bin/patronictl");
  /** The interpreter of {@link #BINARY}'s shebang line: Debian's, not a pyenv or virtualenv one. */
  public static final Path PYTHON = Path.of("/usr/bin/python3");
  /** What CI's {@code .ci/setup} installs; the packages every backend's test needs. */
  public static final String INSTALL = "apt-get update && apt-get install -y patroni python3-etcd python3-kazoo";
  /** The Patroni release the kit's expected outputs were taken from. */
  public static final String EXPECTED_VERSION_PREFIX = "3.0.";
  /** One run: a Python start, one DCS connection and a read. Generous for a loaded 2-core machine. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** The system property that makes {@link #run} print every command and its output. */
  public static final String ECHO_PROPERTY = "primus.patronictl.echo";

  /**
   * The DCS section of {@code patroni.yml} that points {@code patronictl} at the store under test.
   *
   * @param yaml          the section as YAML, starting at column 0 (e.g. {@code etcd3:\n  hosts: ...})
   * @param pythonModule  the client library Patroni imports for this DCS
   * @param debianPackage the package that provides it
   */
  public record Dcs(String yaml, String pythonModule, String debianPackage) {
    public Dcs {
      Objects.requireNonNull(yaml, "yaml");
      Objects.requireNonNull(pythonModule, "pythonModule");
      Objects.requireNonNull(debianPackage, "debianPackage");
    }

    /** {@code etcd3: {hosts: host:port}}; Patroni 3.0.2's etcd3 client is built on python-etcd. */
    public static Dcs etcd3(String hostPort) {
      return new Dcs("etcd3:\n  hosts: " + quote(hostPort) + "\n", "etcd", "python3-etcd");
    }

    /** {@code zookeeper: {hosts: [host:port, ...]}}, read with kazoo. */
    public static Dcs zookeeper(List<String> hostPorts) {
      String hosts = hostPorts.stream().map(h -> "  - " + quote(h) + "\n").collect(Collectors.joining());
      return new Dcs("zookeeper:\n  hosts:\n" + hosts, "kazoo", "python3-kazoo");
    }
  }

  /** What one run printed. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result {
      command = List.copyOf(command);
      Objects.requireNonNull(stdout, "stdout");
      Objects.requireNonNull(stderr, "stderr");
    }

    /** This result, if the command succeeded; otherwise an assertion failure showing everything. */
    public Result ok() {
      if (exitCode != 0) {
        throw new AssertionError("patronictl failed:\n" + this);
      }
      return this;
    }

    /** The first table of stdout; see {@link CtlTable#parse}. */
    public CtlTable table() {
      return CtlTable.parse(stdout);
    }

    @Override
    public String toString() {
      return "$ " + String.join(" ", command) + "\n(exit " + exitCode + ")\n--- stdout\n" + stdout + "--- stderr\n"
          + stderr;
    }
  }

  private final Path configFile;
  private final Path workDir;

  private PatroniCtl(Path configFile, Path workDir) {
    this.configFile = configFile;
    this.workDir = workDir;
  }

  /**
   * Checks that {@code patronictl} 3.0.x and the Python client library for {@code dcs} are installed.
   *
   * @return the installed Patroni version
   * @throws AssertionError naming the apt command when something is missing
   */
  public static String require(Dcs dcs) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY) || !Files.isExecutable(PYTHON)) {
      throw new AssertionError("the patronictl compatibility tests run the real patronictl, and " + BINARY
          + " is not installed. Install it: " + INSTALL);
    }
    Path dir = Files.createTempDirectory("primus-patronictl-check-");
    try {
      // Import what 'patronictl list' will import, so a missing library fails here with a clear message
      // rather than as Patroni's "Can not find suitable configuration of distributed configuration store".
      Result r = exec(List.of(PYTHON.toString(), "-c",
          "import " + dcs.pythonModule() + "; from patroni.version import __version__; print(__version__)"), dir);
      if (r.exitCode() != 0) {
        throw new AssertionError("patronictl needs the Python module '" + dcs.pythonModule() + "' (Debian package "
            + dcs.debianPackage() + ") for this DCS. Install it: " + INSTALL + "\n" + r);
      }
      String version = r.stdout().strip();
      if (!version.startsWith(EXPECTED_VERSION_PREFIX)) {
        throw new AssertionError("the compatibility tests expect what Patroni " + EXPECTED_VERSION_PREFIX
            + "x (Debian 12) prints, but Patroni " + version + " is installed");
      }
      return version;
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Writes the configuration file into {@code workDir}: {@code scope}, {@code namespace} and the DCS
   * section.
   */
  public static PatroniCtl configure(Path workDir, String namespace, String scope, Dcs dcs) throws IOException {
    return configure(workDir, namespace, scope, dcs, "");
  }

  /**
   * As {@link #configure(Path, String, String, Dcs)}, with more top-level sections appended as they are
   * (YAML at column 0), e.g. {@code ctl:\n  insecure: true\n} for REST APIs with self-signed certificates.
   */
  public static PatroniCtl configure(Path workDir, String namespace, String scope, Dcs dcs, String moreYaml)
      throws IOException {
    Files.createDirectories(workDir);
    Path file = workDir.resolve("patronictl.yml");
    String yaml = "scope: " + quote(scope) + "\n"
        + "namespace: " + quote(namespace) + "\n"
        + dcs.yaml()
        + moreYaml;
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return new PatroniCtl(file, workDir);
  }

  public Path configFile() {
    return configFile;
  }

  /**
   * Runs {@code patronictl -c <config> args...}; returns whatever it printed and its exit code. With
   * {@code -D}{@value #ECHO_PROPERTY}{@code =true} every run is also printed, to see what Patroni showed.
   */
  public Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-c", configFile.toString()));
    cmd.addAll(List.of(args));
    Result r = exec(cmd, workDir);
    if (Boolean.getBoolean(ECHO_PROPERTY)) {
      System.out.println(r);
    }
    return r;
  }

  private static Result exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
    Path out = Files.createTempFile(dir, "out-", ".txt");
    Path err = Files.createTempFile(dir, "err-", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("PATRONI") || k.equals("DCS_URL"));
    // A fixed locale and no colour or pager: the output is parsed.
    env.put("LC_ALL", "C.UTF-8");
    env.put("LANG", "C.UTF-8");
    env.put("TERM", "dumb");
    env.put("PYTHONDONTWRITEBYTECODE", "1");
    Process p = pb.start();
    try {
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("timed out after " + TIMEOUT + ":\n"
            + new Result(cmd, -1, read(out), read(err)));
      }
      return new Result(cmd, p.exitValue(), read(out), read(err));
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }

  /** A YAML double-quoted scalar; the values here are names, paths and host:port, never control text. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Deletes a directory tree, best effort: leftovers under the temp dir are harmless. */
  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Best effort, see above.
    }
  }
}
