package dev.primus.runner.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.agent.watchdog.WatchdogDevice;
import dev.primus.agent.watchdog.WatchdogSupport;
import dev.primus.runner.watchdog.Syscalls.NativeError;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The Linux watchdog device ({@code /dev/watchdog}, {@code /dev/watchdogN}) driven as the kernel's watchdog API
 * says: {@code open} arms it; {@code WDIOC_GETSUPPORT} tells what it is and whether its timeout can be set;
 * {@code WDIOC_SETTIMEOUT} sets the timeout and {@code WDIOC_GETTIMEOUT} reads back the one in force (drivers
 * round to what their hardware can count); a write pets it (as Patroni does: every driver takes one, while
 * {@code WDIOC_KEEPALIVE} needs {@code WDIOF_KEEPALIVEPING}); {@code 'V'} before {@code close} disarms it.
 * Patroni's {@code watchdog.driver: default}. The ioctls need native access, which is why this class lives in
 * the runner (JNA) and not in the agent.
 */
public final class LinuxWatchdogDevice implements WatchdogDevice {
  /** Patroni's bounds: the kernel's API takes an int, drivers a 16-bit count at most. */
  static final int MAX_TIMEOUT_EXCLUSIVE = 0xFFFF;

  private final Path path;
  private final Syscalls sys;
  private final WatchdogIoctls ioctls;
  private int fd = -1;
  private WatchdogSupport support;

  LinuxWatchdogDevice(Path path, Syscalls sys, WatchdogIoctls ioctls) {
    this.path = Objects.requireNonNull(path, "path");
    this.sys = Objects.requireNonNull(sys, "sys");
    this.ioctls = Objects.requireNonNull(ioctls, "ioctls");
  }

  @Override
  public Path path() {
    return path;
  }

  /** {@code st_mode}'s file type bits, and the type of a character device. */
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;

  /** Besides the device file's own reasons: a watchdog is a character device, never a regular file or a pipe. */
  @Override
  public Optional<String> unusable() {
    return WatchdogDevice.super.unusable().or(() -> {
      try {
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        return (mode & S_IFMT) == S_IFCHR ? Optional.empty()
            : Optional.of("it is not a character device, so no watchdog (the testing driver writes to files)");
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        return Optional.empty(); // Cannot tell without opening it: arming will.
      }
    });
  }

  @Override
  public void open() throws DeviceFailure {
    if (fd >= 0) {
      return;
    }
    try {
      fd = sys.openWriteOnly(path.toString());
    } catch (NativeError e) {
      throw new DeviceFailure("cannot open watchdog device " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean isOpen() {
    return fd >= 0;
  }

  @Override
  public WatchdogSupport support() throws DeviceFailure {
    requireOpen();
    if (support == null) {
      byte[] info;
      try {
        info = sys.ioctlRead(fd, ioctls.getSupport(), WatchdogIoctls.WATCHDOG_INFO_SIZE);
      } catch (NativeError e) {
        throw new DeviceFailure("cannot ask watchdog device " + path + " what it supports: " + e.getMessage(), e);
      }
      support = decode(info);
    }
    return support;
  }

  /** {@code struct watchdog_info}: two native-order u32 (options, firmware version), then 32 bytes of name. */
  static WatchdogSupport decode(byte[] info) {
    ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder());
    int options = b.getInt(0);
    int firmware = b.getInt(4);
    int end = 8;
    while (end < info.length && info[end] != 0) {
      end++;
    }
    return new WatchdogSupport(options, firmware, new String(info, 8, end - 8, StandardCharsets.US_ASCII).trim());
  }

  @Override
  public void keepalive() throws DeviceFailure {
    requireOpen();
    try {
      sys.write(fd, new byte[] {'1'});
    } catch (NativeError e) {
      throw new DeviceFailure("cannot pet watchdog device " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void setTimeout(int seconds) throws DeviceFailure {
    requireOpen();
    if (seconds <= 0 || seconds >= MAX_TIMEOUT_EXCLUSIVE) {
      throw new DeviceFailure("watchdog device " + path + ": a timeout of " + seconds + " s cannot be set (1 to "
          + (MAX_TIMEOUT_EXCLUSIVE - 1) + " s)");
    }
    try {
      sys.ioctlInt(fd, ioctls.setTimeout(), new int[] {seconds});
    } catch (NativeError e) {
      throw new DeviceFailure("cannot set the timeout of watchdog device " + path + " to " + seconds + " s: "
          + e.getMessage(), e);
    }
  }

  @Override
  public OptionalInt timeout() throws DeviceFailure {
    requireOpen();
    int[] value = {0};
    try {
      sys.ioctlInt(fd, ioctls.getTimeout(), value);
    } catch (NativeError e) {
      throw new DeviceFailure("cannot read the timeout of watchdog device " + path + ": " + e.getMessage(), e);
    }
    return OptionalInt.of(value[0]);
  }

  @Override
  public void close() throws DeviceFailure {
    if (fd < 0) {
      return;
    }
    int closing = fd;
    fd = -1;
    support = null;
    NativeError failed = null;
    try {
      sys.write(closing, new byte[] {'V'});
    } catch (NativeError e) {
      failed = e;
    }
    try {
      sys.close(closing);
    } catch (NativeError e) {
      if (failed == null) {
        failed = e;
      }
    }
    if (failed != null) {
      throw new DeviceFailure("cannot disarm watchdog device " + path + " cleanly: " + failed.getMessage(), failed);
    }
  }

  @Override
  public String describe() {
    if (support == null) {
      return "Linux watchdog device at " + path;
    }
    String identity = support.identity().isEmpty() ? "Linux watchdog device" : support.identity();
    return identity + (support.firmwareVersion() != 0 ? " (firmware " + support.firmwareVersion() + ")" : "")
        + " at " + path;
  }

  private void requireOpen() throws DeviceFailure {
    if (fd < 0) {
      throw new DeviceFailure("watchdog device " + path + " is not open");
    }
  }
}
