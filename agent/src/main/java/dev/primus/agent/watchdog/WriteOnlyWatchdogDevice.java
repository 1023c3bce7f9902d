package dev.primus.agent.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Linux watchdog device in plain Java ({@link WatchdogDriver#writeOnly()}): open, one byte per keepalive,
 * {@code 'V'} before closing. Without ioctls it can neither set the timeout nor ask the driver what it
 * supports, and says so: it does not claim {@link WatchdogSupport#SET_TIMEOUT}, and it reports the timeout
 * only as the kernel publishes it in sysfs ({@code /sys/class/watchdog/watchdogN/timeout}, where
 * {@code /dev/watchdog} is {@code watchdog0}); where sysfs has no answer the timeout is unknown. It assumes
 * magic close, as nearly every driver has it.
 */
final class WriteOnlyWatchdogDevice implements WatchdogDevice {
  static final Path SYSFS = Path.of("/sys/class/watchdog");
  private static final Pattern NUMBERED = Pattern.compile("watchdog(\\d+)");

  private final Path path;
  private final Path sysfs;
  private final DeviceFile file;

  /**
   * @param path  the device file
   * @param sysfs where the kernel lists watchdog devices ({@link #SYSFS}; another directory in tests)
   */
  WriteOnlyWatchdogDevice(Path path, Path sysfs) {
    this.path = Objects.requireNonNull(path, "path");
    this.sysfs = Objects.requireNonNull(sysfs, "sysfs");
    this.file = new DeviceFile(path);
  }

  @Override
  public Path path() {
    return path;
  }

  /** Besides the device file's own reasons: without ioctls a timeout sysfs does not show is unknowable. */
  @Override
  public Optional<String> unusable() {
    return WatchdogDevice.super.unusable().or(() -> timeout().isPresent() ? Optional.empty()
        : Optional.of("its timeout can be neither set (that needs an ioctl, which this plain-Java driver cannot issue)"
            + " nor read from sysfs, so no safe timeout can be ensured"));
  }

  @Override
  public void open() throws DeviceFailure {
    file.open();
  }

  @Override
  public boolean isOpen() {
    return file.isOpen();
  }

  @Override
  public WatchdogSupport support() {
    return new WatchdogSupport(WatchdogSupport.MAGIC_CLOSE, 0, sysfsValue("identity").orElse("Linux watchdog device"));
  }

  @Override
  public void keepalive() throws DeviceFailure {
    file.write("1");
  }

  @Override
  public void setTimeout(int seconds) throws DeviceFailure {
    throw new DeviceFailure("watchdog device " + path + ": setting the timeout needs an ioctl, which this driver"
        + " (plain Java) cannot issue");
  }

  @Override
  public OptionalInt timeout() {
    Optional<String> value = sysfsValue("timeout");
    if (value.isEmpty()) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of(Integer.parseInt(value.get()));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }

  @Override
  public void close() throws DeviceFailure {
    file.magicClose();
  }

  @Override
  public String describe() {
    return sysfsValue("identity").orElse("Linux watchdog device") + " at " + path + " (plain Java: timeout not settable)";
  }

  /** A value the kernel publishes for this device, trimmed; empty when the device or the attribute is not there. */
  private Optional<String> sysfsValue(String attribute) {
    return sysfsName().flatMap(name -> {
      try {
        return Optional.of(Files.readString(sysfs.resolve(name).resolve(attribute), StandardCharsets.US_ASCII).trim());
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  /** {@code watchdogN} for {@code /dev/watchdogN} (links followed), {@code watchdog0} for the legacy {@code /dev/watchdog}. */
  private Optional<String> sysfsName() {
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      real = path;
    }
    Path name = real.getFileName();
    if (name == null) {
      return Optional.empty();
    }
    if (name.toString().equals("watchdog")) {
      return Optional.of("watchdog0");
    }
    Matcher m = NUMBERED.matcher(name.toString());
    return m.matches() ? Optional.of(name.toString()) : Optional.empty();
  }
}
