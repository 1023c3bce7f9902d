package dev.primus.runner.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.WatchdogException;
import dev.primus.agent.watchdog.DeviceWatchdog;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.agent.watchdog.WatchdogSettings;
import dev.primus.ha.Timings;
import dev.primus.runner.config.WatchdogConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The default driver on a real kernel watchdog: Linux's softdog, its timeout set with {@code WDIOC_SETTIMEOUT}
 * and read back with {@code WDIOC_GETTIMEOUT} as {@code ttl - safety_margin}, changed with the ttl, then disarmed
 * with the magic close.
 *
 * <p>A softdog that expires reboots the machine unless it was loaded with {@code soft_noboot=1} (expiry then only
 * logs). So this test opens a device only when all of this holds, and otherwise skips with the reason printed:
 * {@code /dev/watchdog} exists; it is softdog's ({@code /dev/watchdog} is the kernel's alias of {@code watchdog0},
 * whose sysfs identity must be {@code Software Watchdog}); and the kernel itself says {@code soft_noboot} is on
 * ({@code /sys/module/softdog/parameters/soft_noboot} reads {@code Y} or {@code 1}). It never loads or unloads a
 * module, and trusts no older evidence such as the kernel log, which may describe a softdog loaded earlier with
 * other parameters. Mainline softdog declares {@code soft_noboot} without sysfs permissions, so on such kernels
 * the parameter is not published and the test skips: a kernel that cannot say it will not reboot is not asked.
 */
class SoftdogWatchdogIT {
  static final Path DEVICE = Path.of("/dev/watchdog");
  static final Path WATCHDOG0 = Path.of("/sys/class/watchdog/watchdog0");
  static final Path SOFT_NOBOOT = Path.of("/sys/module/softdog/parameters/soft_noboot");
  static final String IDENTITY = "Software Watchdog";

  @Test
  void theTimeoutReadBackIsTtlMinusSafetyMarginAndFollowsTheTtl() throws Exception {
    Path device = softdogThatCannotReboot();
    DeviceWatchdog watchdog = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, device, SafetyMargin.DEFAULT,
        WatchdogDrivers.driver(WatchdogConfig.Driver.DEFAULT)));
    try {
      try {
        watchdog.activate(timings(30));
      } catch (WatchdogException.DeviceFailure e) {
        if (e.getMessage().contains("(errno 16)")) {
          skip(device + " is held open by another process (a watchdog daemon?): " + e.getMessage());
        }
        throw e;
      }
      assertEquals(OptionalInt.of(25), watchdog.armedTimeout(), "WDIOC_GETTIMEOUT after WDIOC_SETTIMEOUT");
      assertTrue(watchdog.describe().contains(IDENTITY), watchdog.describe());
      read(WATCHDOG0.resolve("timeout")).ifPresent(t -> assertEquals("25", t, "the kernel's own view"));

      watchdog.keepalive(timings(20));
      assertEquals(OptionalInt.of(15), watchdog.armedTimeout(), "a ttl change sets the timeout again");
      read(WATCHDOG0.resolve("timeout")).ifPresent(t -> assertEquals("15", t, "the kernel's own view"));
    } finally {
      watchdog.disable();
    }
    assertFalse(watchdog.active());
  }

  /** {@link #DEVICE} when it is softdog's and softdog cannot reboot; otherwise the test is skipped. */
  static Path softdogThatCannotReboot() {
    Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"), "Linux only");
    whyNotToOpen(DEVICE, WATCHDOG0, SOFT_NOBOOT).ifPresent(SoftdogWatchdogIT::skip);
    return DEVICE;
  }

  /**
   * Why {@code device} must not be opened, from what the kernel publishes (paths given for {@code
   * SoftdogGateTest}); empty only when it exists, {@code watchdog0} is softdog and {@code soft_noboot} reads
   * {@code Y} or {@code 1}.
   */
  static Optional<String> whyNotToOpen(Path device, Path watchdog0, Path softNoboot) {
    if (!Files.exists(device)) {
      return Optional.of(device + " does not exist (load softdog with soft_noboot=1 to run this test)");
    }
    Optional<String> identity = read(watchdog0.resolve("identity"));
    if (!identity.equals(Optional.of(IDENTITY))) {
      return Optional.of(device + " is not softdog's: " + watchdog0 + "/identity is " + identity.map(i -> "'" + i
          + "'").orElse("not readable") + "; a hardware watchdog is never opened by a test");
    }
    Optional<String> noboot = read(softNoboot);
    if (!(noboot.equals(Optional.of("Y")) || noboot.equals(Optional.of("1")))) {
      return Optional.of("softdog's soft_noboot is not known to be on (" + softNoboot + " " + noboot.map(v -> "reads '"
          + v + "'").orElse("is not published by this kernel") + "); not opening a device whose expiry would reboot"
          + " the machine");
    }
    return Optional.empty();
  }

  static Timings timings(int ttl) {
    return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  /** A sysfs value, trimmed; empty when it is not there or not readable. */
  static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static void skip(String reason) {
    System.out.println("SoftdogWatchdogIT skipped: " + reason);
    Assumptions.abort(reason);
  }
}
