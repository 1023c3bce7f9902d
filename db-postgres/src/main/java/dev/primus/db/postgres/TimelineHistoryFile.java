package dev.primus.db.postgres;

import dev.primus.ha.LocalState.TimelineSwitch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL's {@code pg_wal/<timeline>.history}: one line per earlier timeline of this branch,
 * {@code parentTLI <tab> switchpoint X/Y <tab> reason}, blank lines and {@code #} comments ignored.
 * Timeline 1 has no file (an empty history).
 */
final class TimelineHistoryFile {
  private static final System.Logger LOG = System.getLogger(TimelineHistoryFile.class.getName());

  private TimelineHistoryFile() {}

  /** {@code pg_wal/0000000N.history} of timeline {@code timeline}. */
  static String fileName(long timeline) {
    return String.format(Locale.ROOT, "%08X.history", timeline);
  }

  /** The entries of a history file's text, oldest first. */
  static List<TimelineSwitch> parse(String text) {
    List<TimelineSwitch> entries = new ArrayList<>();
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split("\\s+", 3);
      if (fields.length < 2) {
        throw new IllegalArgumentException("malformed timeline history line: " + raw);
      }
      entries.add(new TimelineSwitch(Long.parseLong(fields[0]), Lsn.parse(fields[1])));
    }
    return entries;
  }

  /**
   * The history of {@code timeline} in {@code dataDir}: empty on timeline 1, empty (and logged) when
   * the file is missing or unreadable, so the engine falls back to the DCS history. The agent usually
   * runs as root, which reads the owner's 0600 file; otherwise the file is read as the OS user.
   */
  static List<TimelineSwitch> read(Path dataDir, long timeline, RunAs runAs) {
    if (timeline <= 1) {
      return List.of();
    }
    Path file = dataDir.resolve("pg_wal").resolve(fileName(timeline));
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      LOG.log(System.Logger.Level.DEBUG, "no timeline history file {0}", file);
      return List.of();
    } catch (AccessDeniedException e) {
      return runAs.switchesUser() ? readAs(file, runAs).map(TimelineHistoryFile::parse).orElse(List.of()) : List.of();
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot read timeline history " + file, e);
      return List.of();
    }
  }

  private static Optional<String> readAs(Path file, RunAs runAs) {
    List<String> command = new ArrayList<>(runAs.prefix());
    command.add("cat");
    command.add(file.toString());
    try {
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return Optional.of(new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot read timeline history " + file + " as the OS user", e);
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
