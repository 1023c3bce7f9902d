package dev.primus.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.agent.WatchdogException.TimeoutNotSet;
import dev.primus.ha.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Java Linux device is honest about what it cannot do: it never claims to set the timeout, knows it
 * only from sysfs, and so cannot satisfy {@code required} unless the kernel shows a safe one.
 */
class WriteOnlyWatchdogDeviceTest {
  static final Timings TTL_30 = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
  @TempDir
  Path dir;

  Path device(String name) throws Exception {
    Files.createDirectories(dir.resolve("dev"));
    return Files.createFile(dir.resolve("dev").resolve(name));
  }

  void sysfs(String name, String timeout) throws Exception {
    Path d = Files.createDirectories(dir.resolve("sys").resolve(name));
    Files.writeString(d.resolve("timeout"), timeout + "\n");
    Files.writeString(d.resolve("identity"), "Software Watchdog\n");
  }

  @Test
  void itWritesOneByteAKeepaliveAndTheMagicCharacterBeforeClosing() throws Exception {
    Path dev = device("watchdog");
    WatchdogDevice d = new WriteOnlyWatchdogDevice(dev, dir.resolve("sys"));
    d.open();
    d.keepalive();
    d.keepalive();
    d.close();
    assertEquals("11V", Files.readString(dev));
    assertFalse(d.isOpen());
  }

  @Test
  void itCannotSetTheTimeoutAndSaysSo() throws Exception {
    WatchdogDevice d = new WriteOnlyWatchdogDevice(device("watchdog"), dir.resolve("sys"));
    assertFalse(d.support().canSetTimeout());
    assertThrows(DeviceFailure.class, () -> d.setTimeout(25));
    assertEquals(OptionalInt.empty(), d.timeout(), "no sysfs entry: unknown");
  }

  @Test
  void itReadsTheTimeoutTheKernelPublishes() throws Exception {
    sysfs("watchdog0", "20");
    sysfs("watchdog1", "60");
    assertEquals(OptionalInt.of(20), new WriteOnlyWatchdogDevice(device("watchdog"), dir.resolve("sys")).timeout(),
        "/dev/watchdog is watchdog0");
    WatchdogDevice one = new WriteOnlyWatchdogDevice(device("watchdog1"), dir.resolve("sys"));
    assertEquals(OptionalInt.of(60), one.timeout());
    assertEquals("Software Watchdog", one.support().identity());
  }

  @Test
  void requiredRefusesItUnlessTheKernelShowsASafeTimeout() throws Exception {
    Path dev = device("watchdog1");
    WatchdogDriver driver = new WatchdogDriver() {
      @Override
      public String name() {
        return "write-only";
      }

      @Override
      public WatchdogDevice device(Path path) {
        return new WriteOnlyWatchdogDevice(path, dir.resolve("sys"));
      }
    };
    DeviceWatchdog unknown = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, dev, SafetyMargin.DEFAULT, driver));
    TimeoutNotSet e = assertThrows(TimeoutNotSet.class, () -> unknown.activate(TTL_30));
    assertEquals(OptionalInt.empty(), e.actual());
    assertEquals("V", Files.readString(dev), "opened, found unsafe, closed cleanly");

    sysfs("watchdog1", "20");
    DeviceWatchdog preset = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, dev, SafetyMargin.DEFAULT, driver));
    preset.activate(TTL_30);
    assertTrue(preset.active());
    assertEquals(OptionalInt.of(20), preset.armedTimeout());
    preset.disable();
  }

  @Test
  void withoutASysfsTimeoutItIsUnusableBeforeItIsOpened() throws Exception {
    Path dev = device("watchdog1");
    WatchdogDevice d = new WriteOnlyWatchdogDevice(dev, dir.resolve("sys"));
    assertTrue(d.unusable().orElseThrow().startsWith("its timeout can be neither set"), d.unusable().toString());
    sysfs("watchdog1", "20");
    assertEquals(java.util.Optional.empty(), d.unusable(), "a published timeout: arming decides");
    assertEquals("", Files.readString(dev), "never opened for the check");
  }

  @Test
  void aMissingDeviceIsNotCreated() {
    Path missing = dir.resolve("watchdog");
    assertThrows(DeviceFailure.class, () -> WatchdogDriver.writeOnly().device(missing).open());
    assertFalse(Files.exists(missing), "a missing /dev/watchdog must not become a regular file");
  }
}
