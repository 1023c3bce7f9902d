package dev.primus.runner.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the demo needs from the machine and never installs on its own: the PostgreSQL server binaries
 * and, when it runs as root, an unprivileged user for PostgreSQL (which refuses to run as root). When
 * something is missing the demo prints the exact command; only when asked ({@code --install-missing},
 * {@code --create-os-user}) does it run that command itself, and it says so first.
 */
final class Prerequisites {
  static final Path POSTGRES_ROOT = Path.of("/usr/lib/postgresql");
  static final String PACKAGE = "postgresql-15";
  static final String OS_USER = "primus-pg";
  static final List<String> INSTALL = List.of("apt-get", "install", "-y", PACKAGE);
  static final List<String> USERADD = List.of("useradd", "--system", "--no-create-home", "--shell",
      "/usr/sbin/nologin", OS_USER);

  private Prerequisites() {}

  /** {@code /usr/lib/postgresql/N/bin} with a {@code postgres} binary: 15 if present, else the newest. */
  static Optional<Path> postgresBinDir(Path root) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(root)) {
      for (Path version : s) {
        Path bin = version.resolve("bin");
        if (Files.isExecutable(bin.resolve("postgres"))) {
          found.add(bin);
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    Optional<Path> fifteen = found.stream().filter(b -> b.getParent().getFileName().toString().equals("15")).findFirst();
    return fifteen.or(() -> found.stream().max(Comparator.comparingInt(Prerequisites::majorOf)));
  }

  private static int majorOf(Path bin) {
    try {
      return Integer.parseInt(bin.getParent().getFileName().toString());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** The command as an operator would type it, with {@code sudo} when not root. */
  static String shell(List<String> cmd) {
    return (isRoot() ? "" : "sudo ") + String.join(" ", cmd);
  }

  static boolean userExists(String name) {
    try {
      Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(name);
      return true;
    } catch (UserPrincipalNotFoundException e) {
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs {@code cmd} with its output passed through; its exit status. */
  static int run(List<String> cmd, PrintWriter out) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (!isRoot()) {
      full.add("sudo");
    }
    full.addAll(cmd);
    out.println("  running: " + String.join(" ", full));
    out.flush();
    ProcessBuilder pb = new ProcessBuilder(full).inheritIO();
    pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
