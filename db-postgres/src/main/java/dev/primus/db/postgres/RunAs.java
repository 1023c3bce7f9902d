package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Who PostgreSQL's tools run as. PostgreSQL refuses to run as root, so when Primus is root every tool
 * runs as {@code os_user} (through {@code setpriv}, which execs in place so a timeout kills the tool
 * itself, or {@code runuser} where setpriv is missing) and every file Primus writes for the server is
 * handed to that user.
 */
final class RunAs {
  private static final List<Path> SETPRIV = List.of(Path.of("/usr/bin/setpriv"), Path.of("/bin/setpriv"));
  private static final List<Path> RUNUSER = List.of(Path.of("/usr/sbin/runuser"), Path.of("/sbin/runuser"));

  private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

  private final List<String> prefix;
  private final Optional<UserPrincipal> owner;
  private final Optional<GroupPrincipal> group;

  private RunAs(List<String> prefix, Optional<UserPrincipal> owner, Optional<GroupPrincipal> group) {
    this.prefix = List.copyOf(prefix);
    this.owner = owner;
    this.group = group;
  }

  /** Runs everything as the invoking user. */
  static RunAs invoker() {
    return new RunAs(List.of(), Optional.empty(), Optional.empty());
  }

  /** The invoking process's identity. */
  record Identity(long uid, String userName) {
    Identity {
      Objects.requireNonNull(userName, "userName");
    }

    boolean isRoot() {
      return uid == 0;
    }

    static Identity current() {
      String name = System.getProperty("user.name", "");
      try {
        Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return new Identity(((Number) uid).longValue(), name);
      } catch (IOException | RuntimeException e) {
        return new Identity("root".equals(name) ? 0 : -1, name);
      }
    }
  }

  /** Applies the {@code os_user} rules for {@code identity}. */
  static RunAs resolve(Identity identity, Optional<String> osUser) throws DriverException {
    if (!identity.isRoot()) {
      if (osUser.isPresent() && !osUser.get().equals(identity.userName())) {
        throw new DriverException(Kind.INVALID_CONFIG, "postgresql.os_user is '" + osUser.get() + "' but Primus runs as '"
            + identity.userName() + "', not root, so it cannot switch users: run Primus as root or as '"
            + osUser.get() + "', or remove os_user");
      }
      return invoker();
    }
    if (osUser.isEmpty()) {
      throw new DriverException(Kind.REFUSED, "Primus runs as root and postgresql.os_user is not set: PostgreSQL must not "
          + "run as root. Set postgresql.os_user to the unprivileged user that owns the data directory (e.g. postgres)");
    }
    String user = osUser.get();
    if (user.equals("root")) {
      throw new DriverException(Kind.REFUSED, "postgresql.os_user must not be root: PostgreSQL refuses to run as root");
    }
    UserPrincipalLookupService lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
    UserPrincipal owner;
    GroupPrincipal group;
    try {
      owner = lookup.lookupPrincipalByName(user);
    } catch (IOException e) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.os_user: no OS user '" + user
          + "' (create it, e.g. useradd --system --no-create-home " + user + ")", e);
    }
    String uid;
    String gid;
    try {
      uid = id(user, "-u");
      gid = id(user, "-g");
      group = lookup.lookupPrincipalByGroupName(id(user, "-gn"));
    } catch (IOException e) {
      throw new DriverException(Kind.INVALID_CONFIG, "postgresql.os_user: cannot resolve user '" + user + "': " + e.getMessage(), e);
    }
    Optional<Path> setpriv = SETPRIV.stream().filter(Files::isExecutable).findFirst();
    List<String> prefix;
    if (setpriv.isPresent()) {
      prefix = List.of(setpriv.get().toString(), "--reuid=" + uid, "--regid=" + gid, "--init-groups", "--");
    } else {
      Path runuser = RUNUSER.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new DriverException(
          Kind.NOT_INSTALLED, "neither setpriv nor runuser found (searched " + SETPRIV + " and " + RUNUSER
          + "); install util-linux"));
      prefix = List.of(runuser.toString(), "-u", user, "--");
    }
    return new RunAs(prefix, Optional.of(owner), Optional.of(group));
  }

  /** Asks {@code id} (which sees every NSS source; the JDK has no getpwnam) for one fact about {@code user}. */
  private static String id(String user, String option) throws IOException {
    Process p = new ProcessBuilder("id", option, user).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    try {
      if (!p.waitFor(LOOKUP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IOException("id " + option + " " + user + " timed out");
      }
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (p.exitValue() != 0 || out.isEmpty()) {
        throw new IOException("id " + option + " " + user + ": " + out);
      }
      return out;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while resolving " + user, e);
    }
  }

  /** Words to put before a command so it runs as the OS user; empty when no switch is needed. */
  List<String> prefix() {
    return prefix;
  }

  boolean switchesUser() {
    return owner.isPresent();
  }

  /** Hands {@code path} (not following links) to the OS user, when Primus runs as root. */
  void own(Path path) throws IOException {
    if (owner.isPresent()) {
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
      view.setOwner(owner.get());
      view.setGroup(group.orElseThrow());
    }
  }

}
