package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PostgreSQL server binaries the driver uses, all from one directory, and their major version
 * (which decides how recovery is configured).
 *
 * @param dir          the directory holding them
 * @param major        the major version, 12 or newer
 * @param versionText  {@code postgres --version} as printed
 */
record PostgresBinaries(Path dir, int major, String versionText) {
  /** Every tool the driver runs; they ship together in one server package. */
  static final List<String> TOOLS = List.of("postgres", "pg_ctl", "initdb", "pg_controldata", "pg_basebackup", "pg_rewind");
  static final int MIN_MAJOR = 12;
  private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\)\\s+(\\d+)(?:\\.(\\d+))?");
  private static final Pattern VERSION_DIR = Pattern.compile("\\d+(\\.\\d+)?");

  PostgresBinaries {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(versionText, "versionText");
  }

  Path tool(String name) {
    return dir.resolve(name);
  }

  /**
   * Finds the binaries: only in {@code binDir} when it is configured; otherwise the newest of
   * {@code /usr/lib/postgresql/N/bin} (Debian), then {@code /usr/pgsql-N/bin} (PGDG RPMs), then PATH.
   */
  static PostgresBinaries discover(Optional<Path> binDir, ProcessRunner runner) throws DriverException {
    List<Path> candidates = binDir.map(List::of).orElseGet(PostgresBinaries::defaultSearchPath);
    return discover(candidates, binDir.isPresent(), runner);
  }

  static PostgresBinaries discover(List<Path> candidates, boolean configured, ProcessRunner runner) throws DriverException {
    List<String> searched = new ArrayList<>();
    for (Path dir : candidates) {
      List<String> missing = TOOLS.stream().filter(t -> !Files.isExecutable(dir.resolve(t))).toList();
      if (!missing.isEmpty()) {
        searched.add(dir + (missing.size() == TOOLS.size() ? " (no PostgreSQL tools)" : " (missing " + String.join(", ", missing) + ")"));
        continue;
      }
      String out = runner.capture("postgres-version", List.of(dir.resolve("postgres").toString(), "--version"),
          Duration.ofSeconds(10));
      int major = parseMajor(out).orElseThrow(() -> new DriverException(Kind.NOT_INSTALLED,
          dir.resolve("postgres") + " --version printed '" + out.strip() + "', not a PostgreSQL version"));
      if (major < MIN_MAJOR) {
        searched.add(dir + " (PostgreSQL " + major + ", older than " + MIN_MAJOR + ")");
        continue;
      }
      return new PostgresBinaries(dir, major, out.strip());
    }
    throw new DriverException(Kind.NOT_INSTALLED, "PostgreSQL " + MIN_MAJOR + "+ server binaries (" + String.join(", ", TOOLS)
        + ") not found " + (configured ? "in postgresql.bin_dir" : "(postgresql.bin_dir is not set)") + "; searched: "
        + (searched.isEmpty() ? "nothing" : String.join("; ", searched))
        + ". Install the server package (Debian: apt-get install postgresql-15) or set postgresql.bin_dir");
  }

  /**
   * The directory the server puts its Unix-domain socket in when {@code unix_socket_directories} is not set:
   * the compiled-in default, as {@code postgres --describe-config} reports it (the first absolute entry).
   * Empty when it cannot be told.
   */
  Optional<Path> compiledSocketDirectory(ProcessRunner runner) {
    try {
      String out = runner.capture("postgres-describe-config", List.of(tool("postgres").toString(), "--describe-config"),
          Duration.ofSeconds(10));
      return parseSocketDirectory(out);
    } catch (DriverException e) {
      return Optional.empty();
    }
  }

  /** The {@code unix_socket_directories} boot value in {@code postgres --describe-config} output (tab-separated). */
  static Optional<Path> parseSocketDirectory(String describeConfig) {
    for (String line : describeConfig.split("\n")) {
      String[] f = line.split("\t", -1);
      // name, context, group, type, boot value, ...
      if (f.length > 4 && f[0].equals("unix_socket_directories")) {
        return LocalAddress.firstAbsolute(f[4]);
      }
    }
    return Optional.empty();
  }

  static Optional<Integer> parseMajor(String versionOutput) {
    Matcher m = VERSION.matcher(versionOutput);
    if (!m.find()) {
      return Optional.empty();
    }
    int first = Integer.parseInt(m.group(1));
    // Before 10 the major version had two parts (9.6); those are far below MIN_MAJOR either way.
    return Optional.of(first);
  }

  static List<Path> defaultSearchPath() {
    List<Path> dirs = new ArrayList<>();
    dirs.addAll(versioned(Path.of("/usr/lib/postgresql"), "", "bin"));
    dirs.addAll(versioned(Path.of("/usr"), "pgsql-", "bin"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String p : path.split(":")) {
        if (!p.isEmpty()) {
          dirs.add(Path.of(p));
        }
      }
    }
    return dirs;
  }

  /** {@code root/<prefix>N/<sub>} for every version N, newest first. */
  static List<Path> versioned(Path root, String prefix, String sub) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(root)) {
      return children
          .filter(p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && VERSION_DIR.matcher(n.substring(prefix.length())).matches();
          })
          .sorted(Comparator.comparingDouble((Path p) -> Double.parseDouble(p.getFileName().toString().substring(prefix.length())))
              .reversed())
          .map(p -> p.resolve(sub))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
