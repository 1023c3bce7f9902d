package dev.primus.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Why the watchdog could not do what was asked. The executor reports any of them as a failed watchdog
 * action; the kinds are for the log, for tests, and for a caller that wants to tell a broken device from a
 * configuration that no device could satisfy.
 */
public abstract sealed class WatchdogException extends Exception
    permits WatchdogException.DeviceFailure, WatchdogException.TimeoutNotSet, WatchdogException.TimeoutTooShort,
    WatchdogException.UnsafeTiming, WatchdogException.NotArmed {
  private static final long serialVersionUID = 1L;

  WatchdogException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The device could not be opened, written, queried or closed; the message carries the system's reason. */
  public static final class DeviceFailure extends WatchdogException {
    private static final long serialVersionUID = 1L;

    public DeviceFailure(String message) {
      super(message, null);
    }

    public DeviceFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * After setting it, the device's timeout is longer than wanted (a driver may round it up, or not let it be
   * set at all), or the device cannot tell what it is: it would reset the node only after the leader lock
   * may have passed to another member.
   */
  public static final class TimeoutNotSet extends WatchdogException {
    private static final long serialVersionUID = 1L;
    private final int wanted;
    private final OptionalInt actual;

    /**
     * @param device what the device is, for the message
     * @param wanted the timeout asked for, in seconds
     * @param actual the timeout read back, empty if the device cannot tell
     */
    public TimeoutNotSet(String device, int wanted, OptionalInt actual) {
      super(device + ": a safe timeout of " + wanted + " s could not be set; "
          + (actual.isPresent() ? "its timeout is " + actual.getAsInt() + " s" : "its timeout cannot be read"),
          null);
      this.wanted = wanted;
      this.actual = Objects.requireNonNull(actual, "actual");
    }

    /** The timeout asked for, in seconds. */
    public int wanted() {
      return wanted;
    }

    /** The timeout the device has, in seconds; empty if it cannot tell. */
    public OptionalInt actual() {
      return actual;
    }
  }

  /**
   * The device's timeout is shorter than {@code loop_wait}: a healthy agent could not pet it in time, so it
   * would reset the node now and then for nothing.
   */
  public static final class TimeoutTooShort extends WatchdogException {
    private static final long serialVersionUID = 1L;

    public TimeoutTooShort(String device, int actual, Duration loopWait) {
      super(device + ": its timeout of " + actual + " s is shorter than loop_wait (" + loopWait.toSeconds()
          + " s)", null);
    }
  }

  /**
   * The configuration leaves no room: {@code ttl - safety_margin} is shorter than {@code loop_wait}, so no
   * device could be both safe and petted in time. Raise {@code ttl} or lower {@code safety_margin} or
   * {@code loop_wait}.
   */
  public static final class UnsafeTiming extends WatchdogException {
    private static final long serialVersionUID = 1L;

    public UnsafeTiming(int timeout, Duration ttl, Duration loopWait) {
      super("the watchdog timeout " + timeout + " s (from ttl " + ttl.toSeconds() + " s and safety_margin) is"
          + " shorter than loop_wait (" + loopWait.toSeconds() + " s)", null);
    }
  }

  /** A keepalive was asked for, but no device is armed (it was never armed, or a failure closed it). */
  public static final class NotArmed extends WatchdogException {
    private static final long serialVersionUID = 1L;

    public NotArmed(String device) {
      super(device + " is not armed", null);
    }
  }
}
