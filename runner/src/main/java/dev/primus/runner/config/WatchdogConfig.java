package dev.primus.runner.config;

import dev.primus.agent.Watchdog.Mode;
import dev.primus.agent.watchdog.SafetyMargin;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code watchdog} section.
 *
 * @param mode         off, automatic (use it if it can be armed) or required (never lead without it); Patroni's
 *                     aliases {@code auto}, {@code require}, {@code disable}, {@code disabled} and YAML's
 *                     {@code false} are accepted
 * @param device       the watchdog device ({@code device}, default {@code /dev/watchdog})
 * @param safetyMargin how long before the leader key expires the watchdog fires ({@code safety_margin},
 *                     default 5 s; {@code -1}: half the ttl)
 * @param driver       how the device is driven ({@code driver}: {@code default} or {@code testing})
 */
public record WatchdogConfig(Mode mode, Path device, SafetyMargin safetyMargin, Driver driver) {

  public static final WatchdogConfig DEFAULT =
      new WatchdogConfig(Mode.AUTOMATIC, Path.of("/dev/watchdog"), SafetyMargin.DEFAULT, Driver.DEFAULT);

  public WatchdogConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(safetyMargin, "safetyMargin");
    Objects.requireNonNull(driver, "driver");
  }

  /** {@code watchdog.driver}, Patroni's two. */
  public enum Driver {
    /** The Linux watchdog device, its timeout set with ioctls. */
    DEFAULT,
    /**
     * Patroni's emulation for tests: every request written as text to the device file, normally a named pipe
     * a test harness reads ({@code Ctimeout=N}, {@code 1} per keepalive, {@code V} at close).
     */
    TESTING
  }
}
