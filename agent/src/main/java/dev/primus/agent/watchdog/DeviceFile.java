package dev.primus.agent.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * A device file opened for writing only, as a watchdog must be: never created (a missing {@code /dev/watchdog}
 * must not become a regular file) and never truncated. The plain-Java devices of this package write through it.
 */
final class DeviceFile {
  private final Path path;
  private FileChannel channel;

  DeviceFile(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  void open() throws DeviceFailure {
    if (channel != null) {
      return;
    }
    try {
      channel = FileChannel.open(path, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new DeviceFailure("cannot open watchdog device " + path + ": " + reason(e), e);
    }
  }

  boolean isOpen() {
    return channel != null;
  }

  void write(String text) throws DeviceFailure {
    if (channel == null) {
      throw new DeviceFailure("watchdog device " + path + " is not open");
    }
    ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      throw new DeviceFailure("cannot write to watchdog device " + path + ": " + reason(e), e);
    }
  }

  /** Writes the magic {@code 'V'} and closes; the file is closed even when the write fails. */
  void magicClose() throws DeviceFailure {
    if (channel == null) {
      return;
    }
    try {
      write("V");
    } finally {
      FileChannel c = channel;
      channel = null;
      try {
        c.close();
      } catch (IOException e) {
        // The magic character went out (or its failure is already being reported); the close itself
        // cannot be retried and releases the descriptor either way.
      }
    }
  }

  /** Why {@code path} cannot be opened for writing, found without opening it; empty when nothing says so. */
  static Optional<String> unusable(Path path) {
    if (!Files.exists(path)) {
      return Optional.of("no such file");
    }
    if (Files.isDirectory(path)) {
      return Optional.of("it is a directory");
    }
    if (!Files.isWritable(path)) {
      return Optional.of("permission denied (this process may not write it)");
    }
    return Optional.empty();
  }

  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
