package dev.primus.agent;

import dev.primus.ha.Timings;
import org.slf4j.LoggerFactory;

/**
 * The watchdog as the executor sees it: the device that resets the node when the agent stops petting it,
 * so that a frozen agent cannot keep a primary running past its leader lock (DESIGN section 2). The engine
 * asks for {@code ActivateWatchdog}, {@code KeepaliveWatchdog} and {@code DisableWatchdog}; the executor
 * calls these methods with the timings of the decision and reports a thrown {@link WatchdogException} as a
 * failed action, which in {@code required} mode makes the engine give the lock up.
 *
 * <p>The timings travel with every call because the device's timeout follows them: {@code ttl} lives in the
 * DCS and may change while the watchdog is armed, and the timeout must then change with it.
 *
 * <p>Implementations: {@link #none()} for {@code watchdog.mode: off}, and
 * {@code dev.primus.agent.watchdog.DeviceWatchdog}, which runs a {@code WatchdogDevice} by Patroni's rules
 * (the timeout {@code ttl - safety_margin} set and read back, the modes, the testing driver).
 */
public interface Watchdog extends AutoCloseable {

  /**
   * Arms the watchdog with the timeout {@code timings} call for. Idempotent: on an armed watchdog it sets
   * the timeout again.
   *
   * @throws WatchdogException it could not be armed safely and the configuration requires it
   */
  void activate(Timings timings) throws WatchdogException;

  /**
   * Pets the armed watchdog; when {@code timings} call for another timeout than the one it was armed with
   * (a {@code ttl} change), sets that one too.
   *
   * @throws WatchdogException it is not armed, or no longer safely, and the configuration requires it
   */
  void keepalive(Timings timings) throws WatchdogException;

  /** Disarms it cleanly (magic close). Idempotent. */
  void disable() throws WatchdogException;

  /** Whether it is armed now ({@link #none()}: whether it was asked to be, as there is nothing to arm). */
  boolean active();

  /**
   * Whether this watchdog is meant to reset the node when the agent freezes ({@code watchdog.mode} not off).
   * Without one, a replica that wins a race fences the former primary through its database first.
   */
  default boolean resetsFrozenNode() {
    return true;
  }

  /** One line for the log: what this watchdog is. */
  String describe();

  /** Disarms it; never throws. */
  @Override
  default void close() {
    try {
      disable();
    } catch (WatchdogException e) {
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
    /** The device if it can be armed, else none (with a warning); a timeout it cannot set is a warning. */
    AUTOMATIC,
    /** The device with a safe timeout, or the member must not lead. */
    REQUIRED
  }

  /** {@code watchdog.mode: off}. */
  final class NoWatchdog implements Watchdog {
    private volatile boolean active;

    @Override
    public void activate(Timings timings) {
      active = true;
    }

    @Override
    public void keepalive(Timings timings) {
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
    public boolean resetsFrozenNode() {
      return false;
    }

    @Override
    public String describe() {
      return "watchdog off";
    }
  }
}
