package dev.primus.runner.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.watchdog.SafetyMargin;
import dev.primus.agent.watchdog.WatchdogSettings;
import dev.primus.runner.config.WatchdogConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code watchdog.driver} becomes the agent's driver: {@code testing} its emulation, {@code default} the ioctls. */
class WatchdogDriversTest {

  @Test
  void theSectionBecomesTheAgentsSettings() {
    WatchdogSettings s = WatchdogDrivers.settings(new WatchdogConfig(Mode.REQUIRED, Path.of("/tmp/wd.fifo"),
        new SafetyMargin.HalfTtl(), WatchdogConfig.Driver.TESTING));
    assertEquals(Mode.REQUIRED, s.mode());
    assertEquals(Path.of("/tmp/wd.fifo"), s.device());
    assertEquals(new SafetyMargin.HalfTtl(), s.safetyMargin());
    assertEquals("testing", s.driver().name());
  }

  @Test
  void onLinuxTheDefaultDriverSetsTheTimeoutWithIoctls() {
    assumeTrue(System.getProperty("os.name", "").toLowerCase().startsWith("linux"), "Linux only");
    var driver = WatchdogDrivers.driver(WatchdogConfig.Driver.DEFAULT);
    assertEquals("default", driver.name());
    assertInstanceOf(LinuxWatchdogDevice.class, driver.device(Path.of("/dev/watchdog")));
  }
}
