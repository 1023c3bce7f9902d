package dev.primus.runner.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SoftdogWatchdogIT} opens a watchdog only when the kernel says it cannot reboot: every other state of
 * {@code /dev/watchdog}, {@code watchdog0}'s identity and softdog's {@code soft_noboot} keeps it closed (here on
 * a fake sysfs).
 */
class SoftdogGateTest {
  @TempDir
  Path dir;

  Optional<String> gate(boolean device, String identity, String noboot) throws Exception {
    Path dev = dir.resolve("watchdog");
    Path watchdog0 = Files.createDirectories(dir.resolve("sys/class/watchdog/watchdog0"));
    Path param = dir.resolve("sys/module/softdog/parameters/soft_noboot");
    if (device) {
      Files.createFile(dev);
    }
    if (identity != null) {
      Files.writeString(watchdog0.resolve("identity"), identity + "\n");
    }
    if (noboot != null) {
      Files.createDirectories(param.getParent());
      Files.writeString(param, noboot + "\n");
    }
    return SoftdogWatchdogIT.whyNotToOpen(dev, watchdog0, param);
  }

  @Test
  void onlySoftdogWithSoftNobootOnIsOpened() throws Exception {
    assertEquals(Optional.empty(), gate(true, "Software Watchdog", "Y"));
  }

  @Test
  void softNobootAsAnIntegerParameterCounts() throws Exception {
    assertEquals(Optional.empty(), gate(true, "Software Watchdog", "1"));
  }

  @Test
  void softNobootOffKeepsItClosed() throws Exception {
    assertTrue(gate(true, "Software Watchdog", "N").orElseThrow().contains("reads 'N'"));
  }

  @Test
  void anUnpublishedSoftNobootKeepsItClosed() throws Exception {
    assertTrue(gate(true, "Software Watchdog", null).orElseThrow().contains("is not published by this kernel"));
  }

  @Test
  void aHardwareWatchdogIsNeverOpened() throws Exception {
    assertTrue(gate(true, "iTCO_wdt", "Y").orElseThrow().contains("is not softdog's"));
  }

  @Test
  void noDeviceNoTest() throws Exception {
    assertTrue(gate(false, "Software Watchdog", "Y").orElseThrow().contains("does not exist"));
  }
}
