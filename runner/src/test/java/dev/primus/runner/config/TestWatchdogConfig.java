package dev.primus.runner.config;

import static dev.primus.runner.config.ConfigTestSupport.errors;
import static dev.primus.runner.config.ConfigTestSupport.loaded;
import static dev.primus.runner.config.ConfigTestSupport.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.watchdog.SafetyMargin;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code watchdog} section: Patroni's modes and their aliases, the device, the safety margin, the driver. */
class TestWatchdogConfig {

  static WatchdogConfig watchdog(String lines) {
    return loaded(minimalWith("watchdog:\n" + lines)).watchdog();
  }

  @Test
  void everyKeyIsRead() {
    WatchdogConfig c = watchdog("  mode: required\n  device: /dev/watchdog1\n  safety_margin: 7\n  driver: testing");
    assertEquals(new WatchdogConfig(Mode.REQUIRED, Path.of("/dev/watchdog1"), new SafetyMargin.Fixed(7),
        WatchdogConfig.Driver.TESTING), c);
  }

  @Test
  void patronisModeAliases() {
    Map<String, Mode> aliases = Map.of("off", Mode.OFF, "'off'", Mode.OFF, "false", Mode.OFF, "disable", Mode.OFF,
        "disabled", Mode.OFF, "auto", Mode.AUTOMATIC, "automatic", Mode.AUTOMATIC, "Automatic", Mode.AUTOMATIC,
        "require", Mode.REQUIRED, "required", Mode.REQUIRED);
    aliases.forEach((yaml, mode) -> assertEquals(mode, watchdog("  mode: " + yaml).mode(), yaml));
  }

  @Test
  void safetyMarginMinusOneIsHalfTheTtl() {
    assertEquals(new SafetyMargin.HalfTtl(), watchdog("  safety_margin: -1").safetyMargin());
    assertEquals(new SafetyMargin.Fixed(0), watchdog("  safety_margin: 0").safetyMargin());
  }

  @Test
  void theDriverIsDefaultOrTesting() {
    assertEquals(WatchdogConfig.Driver.DEFAULT, watchdog("  driver: default").driver());
    assertEquals(WatchdogConfig.Driver.DEFAULT, watchdog("  mode: automatic").driver(), "default when absent");
    List<ConfigError> e = errors(minimalWith("watchdog:\n  driver: ipmi"));
    assertEquals("watchdog.driver", e.get(0).path());
    assertEquals(ConfigError.Kind.INVALID_VALUE, e.get(0).kind());
    assertTrue(e.get(0).message().contains("expected default or testing"), e.get(0).message());
  }

  @Test
  void theDriverKeyIsNoLongerReportedAsUnimplemented() {
    ConfigLoadResult r = PatroniConfigLoader.load(minimalWith("watchdog:\n  driver: testing"), ConfigTestSupport.NO_ENV);
    assertTrue(r.warnings().stream().noneMatch(w -> w.toString().contains("watchdog.driver")), r.warnings().toString());
  }

  @Test
  void anUnknownModeOrAMarginBelowMinusOneIsAnError() {
    assertEquals("watchdog.mode", errors(minimalWith("watchdog:\n  mode: sometimes")).get(0).path());
    assertEquals("watchdog.safety_margin", errors(minimalWith("watchdog:\n  safety_margin: -2")).get(0).path());
  }
}
