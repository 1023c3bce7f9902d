package dev.primus.runner.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.agent.WatchdogException.TimeoutNotSet;
import dev.primus.agent.watchdog.DeviceWatchdog;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.agent.watchdog.WatchdogDevice;
import dev.primus.agent.watchdog.WatchdogDriver;
import dev.primus.agent.watchdog.WatchdogSettings;
import dev.primus.agent.watchdog.WatchdogSupport;
import dev.primus.ha.Timings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The Linux device: the ioctls it issues and how it reads their answers (over {@link FakeSyscalls}), and the
 * real system calls through JNA on files that are not watchdogs (a real one would arm this machine's).
 */
class LinuxWatchdogDeviceTest {
  static final Path DEVICE = Path.of("/dev/watchdog1");
  static final Timings TTL_30 = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
  final FakeSyscalls sys = new FakeSyscalls();

  LinuxWatchdogDevice device() {
    return new LinuxWatchdogDevice(DEVICE, sys, sys.ioctls);
  }

  DeviceWatchdog watchdog(Mode mode, WatchdogDriver driver) {
    return new DeviceWatchdog(new WatchdogSettings(mode, DEVICE, SafetyMargin.DEFAULT, driver));
  }

  WatchdogDriver fakeDriver() {
    return new WatchdogDriver() {
      @Override
      public String name() {
        return "default";
      }

      @Override
      public WatchdogDevice device(Path path) {
        return new LinuxWatchdogDevice(path, sys, sys.ioctls);
      }
    };
  }

  @Test
  void armingIsOpenGetSupportSetTimeoutGetTimeout() throws Exception {
    DeviceWatchdog w = watchdog(Mode.REQUIRED, fakeDriver());
    w.activate(TTL_30);
    w.keepalive(TTL_30);
    w.disable();

    assertEquals(List.of("open /dev/watchdog1", "WDIOC_GETSUPPORT", "WDIOC_SETTIMEOUT 25", "WDIOC_GETTIMEOUT",
        "write 1", "write V", "close"), sys.calls);
  }

  @Test
  void aDriverThatRoundsTheTimeoutUpIsReadBackAndRefusedInRequiredMode() {
    sys.granularity = 8;
    DeviceWatchdog w = watchdog(Mode.REQUIRED, fakeDriver());

    TimeoutNotSet e = assertThrows(TimeoutNotSet.class, () -> w.activate(TTL_30));
    assertEquals(OptionalInt.of(32), e.actual());
    assertEquals("V", sys.written.toString(), "closed cleanly, so the node is not reset for a refused watchdog");
  }

  @Test
  void aDriverThatRoundsTheTimeoutUpIsAWarningInAutomaticMode() throws Exception {
    sys.granularity = 8;
    DeviceWatchdog w = watchdog(Mode.AUTOMATIC, fakeDriver());
    w.activate(TTL_30);

    assertTrue(w.active());
    assertEquals(OptionalInt.of(32), w.armedTimeout());
  }

  @Test
  void aDeviceWithoutSetTimeoutIsOnlyAskedForItsTimeout() throws Exception {
    sys.options = WatchdogSupport.MAGIC_CLOSE;
    sys.timeout = 20;
    DeviceWatchdog w = watchdog(Mode.REQUIRED, fakeDriver());
    w.activate(TTL_30);

    assertEquals(List.of("open /dev/watchdog1", "WDIOC_GETSUPPORT", "WDIOC_GETTIMEOUT"), sys.calls);
    assertEquals(OptionalInt.of(20), w.armedTimeout());
  }

  @Test
  void getSupportIsDecodedAndNamesTheDevice() throws Exception {
    sys.firmware = 3;
    LinuxWatchdogDevice d = device();
    assertEquals("Linux watchdog device at /dev/watchdog1", d.describe());
    d.open();
    WatchdogSupport s = d.support();
    assertTrue(s.canSetTimeout());
    assertTrue(s.canBeDisarmed());
    assertEquals("Software Watchdog", s.identity());
    assertEquals("Software Watchdog (firmware 3) at /dev/watchdog1", d.describe());
  }

  @Test
  void aTimeoutOutsideWhatTheApiTakesIsRefusedBeforeAnyIoctl() throws Exception {
    LinuxWatchdogDevice d = device();
    d.open();
    assertThrows(DeviceFailure.class, () -> d.setTimeout(0));
    assertThrows(DeviceFailure.class, () -> d.setTimeout(0xFFFF));
    assertEquals(List.of("open /dev/watchdog1"), sys.calls);
  }

  @Test
  void theDescriptorIsClosedEvenWhenTheMagicCharacterCannotBeWritten() throws Exception {
    LinuxWatchdogDevice d = device();
    d.open();
    sys.failing = Optional.of("write");
    assertThrows(DeviceFailure.class, d::close);
    assertEquals("close", sys.calls.get(sys.calls.size() - 1));
    assertFalse(d.isOpen());
  }

  @Test
  void aClosedDeviceRefusesEverythingButOpen() {
    LinuxWatchdogDevice d = device();
    assertThrows(DeviceFailure.class, d::keepalive);
    assertThrows(DeviceFailure.class, d::support);
    assertThrows(DeviceFailure.class, d::timeout);
    assertEquals(List.of(), sys.calls);
  }

  @Test
  void beforeOpeningItRulesOutWhatIsNoCharacterDeviceWithoutASystemCall(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path file = java.nio.file.Files.createFile(dir.resolve("watchdog"));
    assertEquals(Optional.of("it is not a character device, so no watchdog (the testing driver writes to files)"),
        new LinuxWatchdogDevice(file, sys, sys.ioctls).unusable());
    assertEquals(Optional.of("no such file"), new LinuxWatchdogDevice(dir.resolve("none"), sys, sys.ioctls).unusable());
    assertEquals(Optional.empty(), new LinuxWatchdogDevice(Path.of("/dev/null"), sys, sys.ioctls).unusable(),
        "a character device: only arming can tell whether it is a watchdog");
    assertEquals(List.of(), sys.calls);
  }

  // ---- the real system calls, on files that are not watchdogs

  static Syscalls jna() {
    assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"), "Linux only");
    JnaSyscalls.Loaded loaded = JnaSyscalls.load();
    assertTrue(loaded instanceof JnaSyscalls.Loaded.Available, loaded.toString());
    return ((JnaSyscalls.Loaded.Available) loaded).syscalls();
  }

  @Test
  void throughJnaAMissingDeviceIsTheSystemsError() {
    Syscalls sys = jna();
    LinuxWatchdogDevice d = new LinuxWatchdogDevice(Path.of("/nonexistent/watchdog"), sys, WatchdogIoctls.ofThisMachine());
    DeviceFailure e = assertThrows(DeviceFailure.class, d::open);
    assertTrue(e.getMessage().contains("No such file or directory (errno 2)"), e.getMessage());
  }

  @Test
  void throughJnaAFileThatIsNoWatchdogRefusesTheIoctlsAndIsClosedAgain() throws Exception {
    Syscalls sys = jna();
    LinuxWatchdogDevice d = new LinuxWatchdogDevice(Path.of("/dev/null"), sys, WatchdogIoctls.ofThisMachine());
    d.open();
    d.keepalive();
    DeviceFailure e = assertThrows(DeviceFailure.class, d::support);
    assertTrue(e.getMessage().contains("errno 25"), "ENOTTY: " + e.getMessage());
    d.close();
    assertFalse(d.isOpen());

    DeviceWatchdog w = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, Path.of("/dev/null"),
        SafetyMargin.DEFAULT, new WatchdogDriver() {
          @Override
          public String name() {
            return "default";
          }

          @Override
          public WatchdogDevice device(Path path) {
            return new LinuxWatchdogDevice(path, sys, WatchdogIoctls.ofThisMachine());
          }
        }));
    assertThrows(DeviceFailure.class, () -> w.activate(TTL_30));
    assertFalse(w.active());
  }
}
