package dev.primus.runner.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code watchdog} section.
 *
 * @param mode         off, automatic (use it if it opens) or required (never lead without it)
 * @param device       the watchdog device ({@code device}, default {@code /dev/watchdog})
 * @param safetyMargin how long before the leader key expires the watchdog fires
 *                     ({@code safety_margin}, default 5 s)
 */
public record WatchdogConfig(Mode mode, Path device, Duration safetyMargin) {

  public static final WatchdogConfig DEFAULT =
      new WatchdogConfig(Mode.AUTOMATIC, Path.of("/dev/watchdog"), Duration.ofSeconds(5));

  public WatchdogConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(safetyMargin, "safetyMargin");
  }

  /** {@code watchdog.mode}. */
  public enum Mode {
    OFF,
    AUTOMATIC,
    REQUIRED
  }
}
