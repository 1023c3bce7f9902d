package dev.primus.agent.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.WatchdogException.DeviceFailure;
import dev.primus.ha.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patroni's {@code driver: testing} as a harness reading its named pipe sees it: the timeout as a
 * {@code Ctimeout=N} line, a {@code 1} per keepalive, {@code V} before the close, byte for byte.
 */
@Timeout(60)
class TestingWatchdogDeviceTest {
  static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir
  Path dir;

  static Timings timings(int ttl, int loopWait) {
    return new Timings(Duration.ofSeconds(ttl), Duration.ofSeconds(loopWait), Duration.ofSeconds(2));
  }

  @Test
  void theHarnessSeesTheTimeoutTheKeepalivesATtlChangeAndTheMagicClose() throws Exception {
    try (WatchdogHarness harness = WatchdogHarness.start(dir.resolve("watchdog.fifo"))) {
      DeviceWatchdog w = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, harness.path(), SafetyMargin.DEFAULT,
          WatchdogDriver.testing()));
      w.activate(timings(20, 2));
      w.keepalive(timings(20, 2));
      w.keepalive(timings(30, 2));
      w.disable();

      harness.await("close", h -> h.closes() == 1, WAIT);
      assertEquals("Ctimeout=15\n" + "1" + "1Ctimeout=25\n" + "V", harness.transcript());
      assertEquals(25, harness.timeout());
      assertEquals(2, harness.pings());
      assertEquals(1, harness.magicCloses());
      assertTrue(w.describe().contains("watchdog test harness at " + harness.path()), w.describe());
    }
  }

  @Test
  void itReadsBackTheTimeoutItWasGivenAndClaimsToSetItAndToCloseCleanly() throws Exception {
    WatchdogDevice d = WatchdogDriver.testing().device(dir.resolve("none"));
    assertEquals(TestingWatchdogDevice.INITIAL_TIMEOUT, d.timeout().getAsInt());
    assertTrue(d.support().canSetTimeout());
    assertTrue(d.support().canBeDisarmed());
  }

  @Test
  void requiredRefusesAtOnceADeviceFileThatCannotBeOpenedWithoutCreatingIt() throws Exception {
    Path missing = dir.resolve("no-such-watchdog");
    DeviceWatchdog required = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, missing, SafetyMargin.DEFAULT,
        WatchdogDriver.testing()));
    DeviceFailure e = assertThrows(DeviceFailure.class, required::checkUsableIfRequired);
    assertEquals("watchdog test harness at " + missing + " cannot be used: no such file", e.getMessage());
    assertFalse(Files.exists(missing));

    DeviceWatchdog onADirectory = new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, dir, SafetyMargin.DEFAULT,
        WatchdogDriver.testing()));
    assertTrue(assertThrows(DeviceFailure.class, onADirectory::checkUsableIfRequired).getMessage()
        .endsWith("cannot be used: it is a directory"));

    // automatic finds out when arming, and goes on without one.
    new DeviceWatchdog(new WatchdogSettings(Mode.AUTOMATIC, missing, SafetyMargin.DEFAULT, WatchdogDriver.testing()))
        .checkUsableIfRequired();

    Path file = Files.createFile(dir.resolve("watchdog"));
    new DeviceWatchdog(new WatchdogSettings(Mode.REQUIRED, file, SafetyMargin.DEFAULT, WatchdogDriver.testing()))
        .checkUsableIfRequired();
    assertEquals("", Files.readString(file), "checked without opening: opening arms a watchdog");
  }

  @Test
  void aMissingDeviceFileIsNotCreated() {
    Path missing = dir.resolve("no-such-watchdog");
    WatchdogDevice d = WatchdogDriver.testing().device(missing);
    DeviceFailure e = assertThrows(DeviceFailure.class, d::open);
    assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    assertFalse(Files.exists(missing));
  }
}
