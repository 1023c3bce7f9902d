package dev.primus.agent.watchdog;

import dev.primus.agent.Watchdog.Mode;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A member's {@code watchdog} section: what {@link DeviceWatchdog} runs.
 *
 * @param mode         off, automatic (use the device if it can be armed) or required (never lead without it)
 * @param device       the device file ({@code watchdog.device}, Patroni's default {@link #DEFAULT_DEVICE})
 * @param safetyMargin how long before the leader lock can expire the watchdog fires ({@code safety_margin})
 * @param driver       what makes the device ({@code watchdog.driver})
 */
public record WatchdogSettings(Mode mode, Path device, SafetyMargin safetyMargin, WatchdogDriver driver) {

  /** Patroni's default device. */
  public static final Path DEFAULT_DEVICE = Path.of("/dev/watchdog");

  public WatchdogSettings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(safetyMargin, "safetyMargin");
    Objects.requireNonNull(driver, "driver");
  }

  /** Whether {@code other} names the same device through the same driver (so an open one can stay open). */
  boolean sameDevice(WatchdogSettings other) {
    return device.equals(other.device) && driver.name().equals(other.driver.name());
  }
}
