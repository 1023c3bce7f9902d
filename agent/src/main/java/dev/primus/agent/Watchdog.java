package dev.primus.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hardware (or softdog) watchdog that resets the node when the agent stops petting it, so that a
 * frozen agent cannot keep a primary running past its leader lock (DESIGN section 2). The engine asks
 * for {@code ActivateWatchdog}, {@code KeepaliveWatchdog} and {@code DisableWatchdog}; the executor calls
 * these methods and reports a thrown {@link IOException} as a failed action.
 *
 * <p>Which implementation runs follows {@code watchdog.mode}:
 * <ul>
 *   <li>{@code off}: {@link #none()}, every call succeeds and does nothing (the engine still asks; the
 *       outcome is "armed" as far as it knows, which is what off means);
 *   <li>{@code automatic}: the device if it can be opened, otherwise one warning and nothing, as in
 *       Patroni: the member may still lead;
 *   <li>{@code required}: the device, and every failure is reported, so the engine gives the lock up
 *       rather than lead without a watchdog.
 * </ul>
 *
 * <p>The device implementation is deliberately small: it opens {@code watchdog.device}, writes one
 * byte per keepalive, and writes the magic {@code 'V'} before closing on disable so that a clean stop
 * does not reset the node. It does not set the device timeout: that needs an {@code ioctl}, which plain
 * Java cannot issue. Configure the timeout outside Primus (for softdog: {@code modprobe softdog
 * soft_margin=N}) to at most {@code ttl - safety_margin} seconds; {@link #describe()} says so in the
 * log when the device is armed.
 */
public interface Watchdog extends AutoCloseable {

  /** Opens (arms) the watchdog. Idempotent. */
  void activate() throws IOException;

  /** Pets the armed watchdog. Fails if it is not armed. */
  void keepalive() throws IOException;

  /** Disarms it cleanly (magic close). Idempotent. */
  void disable() throws IOException;

  /** Whether it is armed now. */
  boolean active();

  /** One line for the log: what this watchdog is. */
  String describe();

  /** Disarms it; never throws. */
  @Override
  default void close() {
    try {
      disable();
    } catch (IOException e) {
      LoggerFactory.getLogger(Watchdog.class).warn("could not disarm the watchdog: {}", e.getMessage());
    }
  }

  /** A watchdog that does nothing and always succeeds ({@code watchdog.mode: off}). */
  static Watchdog none() {
    return new NoWatchdog();
  }

  /** Patroni's {@code watchdog.mode}. */
  enum Mode {
    /** No watchdog. */
    OFF,
    /** The device if it can be opened, else none (with one warning). */
    AUTOMATIC,
    /** The device, or the member must not lead. */
    REQUIRED
  }

  /**
   * The watchdog {@code mode} asks for, on {@code device}.
   *
   * @param timeout the timeout the device should have ({@code ttl - safety_margin}); only reported, see above
   */
  static Watchdog of(Mode mode, Path device, Duration timeout) {
    switch (mode) {
      case OFF:
        return none();
      case REQUIRED:
        return new DeviceWatchdog(device, timeout);
      case AUTOMATIC:
      default:
        return new BestEffortWatchdog(new DeviceWatchdog(device, timeout));
    }
  }

  /** {@code watchdog.mode: off}. */
  final class NoWatchdog implements Watchdog {
    private volatile boolean active;

    @Override
    public void activate() {
      active = true;
    }

    @Override
    public void keepalive() {
      // Nothing to pet.
    }

    @Override
    public void disable() {
      active = false;
    }

    @Override
    public boolean active() {
      return active;
    }

    @Override
    public String describe() {
      return "watchdog off";
    }
  }

  /**
   * {@code watchdog.mode: automatic}: the device when it works; when it cannot be opened, a warning and
   * success, because automatic means "use it if there is one".
   */
  final class BestEffortWatchdog implements Watchdog {
    private static final Logger LOG = LoggerFactory.getLogger(BestEffortWatchdog.class);
    private final Watchdog device;
    private volatile boolean warned;

    BestEffortWatchdog(Watchdog device) {
      this.device = device;
    }

    @Override
    public void activate() {
      try {
        device.activate();
      } catch (IOException e) {
        if (!warned) {
          warned = true;
          LOG.warn("watchdog (automatic): {}; continuing without one", e.getMessage());
        }
      }
    }

    @Override
    public void keepalive() {
      if (device.active()) {
        try {
          device.keepalive();
        } catch (IOException e) {
          LOG.warn("watchdog (automatic): keepalive failed: {}", e.getMessage());
        }
      }
    }

    @Override
    public void disable() {
      try {
        device.disable();
      } catch (IOException e) {
        LOG.warn("watchdog (automatic): could not disarm: {}", e.getMessage());
      }
    }

    @Override
    public boolean active() {
      return device.active();
    }

    @Override
    public String describe() {
      return device.describe() + " (automatic: used if it can be opened)";
    }
  }
}
