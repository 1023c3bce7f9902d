package dev.primus.db.postgres;

import dev.primus.ha.LocalState.DataDirectoryState;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** The data directory and the driver's own directory: what they hold, creating, emptying, writing files. */
final class DataDirectory {
  private final Path dir;
  private final RunAs runAs;

  DataDirectory(Path dir, RunAs runAs) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.runAs = Objects.requireNonNull(runAs, "runAs");
  }

  Path path() {
    return dir;
  }

  Path resolve(String name) {
    return dir.resolve(name);
  }

  /**
   * The server's timeline history: {@code pg_wal/<timeline>.history}, or, for a server in recovery
   * ({@code towardsNewest}), the newest consecutive later timeline's file, where recovery with
   * {@code recovery_target_timeline = latest} heads (e.g. the file pg_rewind copied from its source).
   */
  List<dev.primus.ha.LocalState.TimelineSwitch> timelineHistory(long timeline, boolean towardsNewest) {
    long target = timeline;
    while (towardsNewest && Files.exists(dir.resolve("pg_wal").resolve(TimelineHistoryFile.fileName(target + 1)))) {
      target++;
    }
    return TimelineHistoryFile.read(dir, target, runAs);
  }

  /** Missing, or a directory with no entries at all. */
  boolean isEmpty() {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return true;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    } catch (IOException e) {
      return false;
    }
  }

  /** Holds (what looks like) a PostgreSQL cluster. */
  boolean holdsCluster() {
    return Files.exists(dir.resolve("PG_VERSION"));
  }

  DataDirectoryState state() {
    if (isEmpty()) {
      return DataDirectoryState.EMPTY;
    }
    if (holdsCluster() && Files.isRegularFile(dir.resolve("global").resolve("pg_control"))) {
      return DataDirectoryState.INITIALIZED;
    }
    return DataDirectoryState.INVALID;
  }

  /** The major version the cluster was created with ({@code PG_VERSION}). */
  Optional<Integer> clusterMajor() {
    try {
      return Optional.of(Integer.parseInt(Files.readString(dir.resolve("PG_VERSION")).trim().split("\\.")[0]));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Refuses anything but an empty directory, so no cluster is ever overwritten. */
  void requireEmpty(String operation) throws DriverException {
    if (isEmpty()) {
      return;
    }
    if (holdsCluster()) {
      throw new DriverException(Kind.REFUSED, operation + " refused: " + dir + " already holds a PostgreSQL cluster"
          + " (PG_VERSION exists); it is never overwritten. Remove it, or reinitialize the member");
    }
    throw new DriverException(Kind.REFUSED, operation + " refused: " + dir + " is not empty");
  }

  /** Creates the directory (and parents) with mode 0700, owned by the OS user. */
  void create() throws DriverException {
    createPrivate(dir, runAs);
  }

  /**
   * Makes sure the directory's parent exists, leaving the directory itself absent, for a command that creates
   * it (a restore that copies a tree into place fails on an existing one). A parent created here belongs to
   * the OS user, who runs the command; an existing parent is left as it is.
   */
  void createParent() throws DriverException {
    Path parent = dir.getParent();
    if (!Files.isDirectory(parent)) {
      createPrivate(parent, runAs);
    }
  }

  /**
   * Tightens a directory that PostgreSQL would refuse (anything beyond 0750: group write, any access for
   * others) to 0700, and hands it to the OS user. 0700 and 0750 (initdb --allow-group-access) are kept.
   */
  void secure() throws DriverException {
    try {
      java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
      boolean refused = mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
          || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
          || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)
          || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
      if (refused) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
      runAs.own(dir);
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot secure " + dir + ": " + e, e);
    }
  }

  /**
   * Removes the directory with everything in it, as Patroni does before a replica method that does not keep
   * data and after a failed build, so the next command finds it absent. Where the directory itself cannot go
   * (a mount point, a parent Primus may not write) it is left empty instead.
   */
  void remove() throws DriverException {
    clear();
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // Empty is what the next attempt needs most; an absent directory was a courtesy to copying scripts.
      System.getLogger(DataDirectory.class.getName()).log(System.Logger.Level.DEBUG,
          "keeping the empty directory {0}: {1}", dir, e.toString());
    }
  }

  static void createPrivate(Path d, RunAs runAs) throws DriverException {
    try {
      if (!Files.isDirectory(d)) {
        Files.createDirectories(d);
      }
      Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
      runAs.own(d);
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot create " + d + ": " + e, e);
    }
  }

  /**
   * Deletes everything inside the directory, keeping the directory itself (its parent may not be
   * writable). A symlinked {@code pg_wal} is emptied at its target too, so the WAL of the old cluster
   * cannot leak into the new one.
   */
  void clear() throws DriverException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Path wal = dir.resolve("pg_wal");
      if (Files.isSymbolicLink(wal)) {
        Path target = wal.toRealPath();
        deleteChildren(target);
      }
      deleteChildren(dir);
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot empty " + dir + ": " + e, e);
    }
  }

  private static void deleteChildren(Path d) throws IOException {
    List<Path> children = new ArrayList<>();
    try (Stream<Path> s = Files.list(d)) {
      s.forEach(children::add);
    }
    for (Path child : children) {
      deleteTree(child);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      deleteChildren(p);
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException ignored) {
      // gone already: a server that was still exiting removed it
    }
  }

  /** Reads a file, empty when it is missing. */
  Optional<String> read(String name) {
    try {
      return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Writes {@code name} atomically with mode 0600, owned by the OS user. */
  void write(String name, String content) throws DriverException {
    writePrivate(dir.resolve(name), content, runAs);
  }

  static void writePrivate(Path target, String content, RunAs runAs) throws DriverException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".primus-tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      runAs.own(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the write failed already; that is the error to report
      }
      throw new DriverException(Kind.COMMAND_FAILED, "cannot write " + target + ": " + e, e);
    }
  }

  /** Deletes {@code name} if present. */
  void delete(String name) throws DriverException {
    try {
      Files.deleteIfExists(dir.resolve(name));
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot delete " + dir.resolve(name) + ": " + e, e);
    }
  }

  boolean exists(String name) {
    return Files.exists(dir.resolve(name));
  }

  /** Renames {@code from} to {@code to} inside the directory. */
  void rename(String from, String to) throws DriverException {
    try {
      Files.move(dir.resolve(from), dir.resolve(to), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new DriverException(Kind.COMMAND_FAILED, "cannot rename " + dir.resolve(from) + " to " + to + ": " + e, e);
    }
  }
}
