package dev.primus.runner.watchdog;

import dev.primus.agent.watchdog.WatchdogDevice;
import dev.primus.agent.watchdog.WatchdogDriver;
import dev.primus.agent.watchdog.WatchdogSettings;
import dev.primus.runner.config.WatchdogConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code watchdog.driver} made real: {@code testing} is the agent's emulation of Patroni's, {@code default} is
 * {@link LinuxWatchdogDevice} through JNA. Where that cannot be had (not Linux, or no native access) the
 * agent's plain-Java device stands in: it arms and pets the device but cannot set its timeout, so {@code
 * required} refuses it unless sysfs shows a safe timeout, and {@code automatic} warns; a warning at start says
 * which one runs.
 */
public final class WatchdogDrivers {
  private static final Logger LOG = LoggerFactory.getLogger(WatchdogDrivers.class);

  private WatchdogDrivers() {}

  /** The agent's settings for a {@code watchdog} section, its driver resolved. */
  public static WatchdogSettings settings(WatchdogConfig config) {
    Objects.requireNonNull(config, "config");
    return new WatchdogSettings(config.mode(), config.device(), config.safetyMargin(), driver(config.driver()));
  }

  /** The driver {@code watchdog.driver} names. */
  public static WatchdogDriver driver(WatchdogConfig.Driver driver) {
    switch (driver) {
      case TESTING:
        return WatchdogDriver.testing();
      case DEFAULT:
      default:
        return new DefaultDriver();
    }
  }

  /**
   * Patroni's {@code default}: {@link LinuxWatchdogDevice}s through JNA, or the plain-Java device when the
   * ioctls cannot be had. Native access is bound when the first device is made, so that a member whose
   * watchdog is off never loads it.
   */
  static final class DefaultDriver implements WatchdogDriver {
    private WatchdogDriver resolved;

    @Override
    public String name() {
      return "default";
    }

    @Override
    public synchronized WatchdogDevice device(Path path) {
      if (resolved == null) {
        resolved = resolve();
      }
      return resolved.device(path);
    }

    private static WatchdogDriver resolve() {
      String os = System.getProperty("os.name", "");
      if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
        LOG.warn("watchdog: the default driver needs Linux ({} here); using the plain-Java device, which cannot set"
            + " the timeout", os);
        return WatchdogDriver.writeOnly();
      }
      JnaSyscalls.Loaded loaded = JnaSyscalls.load();
      if (loaded instanceof JnaSyscalls.Loaded.Available available) {
        Syscalls sys = available.syscalls();
        WatchdogIoctls ioctls = WatchdogIoctls.ofThisMachine();
        return new WatchdogDriver() {
          @Override
          public String name() {
            return "default";
          }

          @Override
          public WatchdogDevice device(Path path) {
            return new LinuxWatchdogDevice(path, sys, ioctls);
          }
        };
      }
      LOG.warn("watchdog: {}; using the plain-Java device, which cannot set the timeout",
          ((JnaSyscalls.Loaded.Unavailable) loaded).reason());
      return WatchdogDriver.writeOnly();
    }
  }
}
