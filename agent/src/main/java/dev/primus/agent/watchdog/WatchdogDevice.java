package dev.primus.agent.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One watchdog device, as an operating system offers it: the small SPI that {@link DeviceWatchdog} runs by
 * Patroni's rules. Opening it arms the timer, every keepalive restarts it, and a clean {@link #close()}
 * (the magic {@code 'V'} first) disarms it. Implementations: the Linux device through its ioctls (in the
 * runner, which may use native access), {@link WatchdogDriver#testing()} (Patroni's {@code driver: testing})
 * and {@link WatchdogDriver#writeOnly()} (plain Java, which cannot set the timeout).
 *
 * <p>Not thread-safe: {@link DeviceWatchdog} calls it under its own lock. No method but {@link #open()} does
 * anything on a closed device except fail with a {@link DeviceFailure}.
 */
public interface WatchdogDevice {

  /** The device file. */
  Path path();

  /**
   * Why this device could never be armed, found without opening it (opening arms it): {@code required} mode
   * asks at start, so that such a member stops with this reason instead of running on without ever being able
   * to lead. Empty when nothing rules it out, which does not promise that arming will work (a timeout the
   * driver will not take shows only then). The default: the device file exists, is no directory, and this
   * process may write it.
   */
  default Optional<String> unusable() {
    return DeviceFile.unusable(path());
  }

  /** Opens the device, which arms it. */
  void open() throws DeviceFailure;

  /** Whether it is open (armed). */
  boolean isOpen();

  /** What the device supports and what it is ({@code WDIOC_GETSUPPORT}). */
  WatchdogSupport support() throws DeviceFailure;

  /** Restarts the timer. */
  void keepalive() throws DeviceFailure;

  /**
   * Asks for a timeout of {@code seconds} ({@code WDIOC_SETTIMEOUT}); the driver may round it, so read it back
   * with {@link #timeout()}. Only called when {@link WatchdogSupport#canSetTimeout()}.
   */
  void setTimeout(int seconds) throws DeviceFailure;

  /** The timeout in force, in seconds ({@code WDIOC_GETTIMEOUT}); empty if the device cannot tell. */
  OptionalInt timeout() throws DeviceFailure;

  /** Disarms and closes it: the magic {@code 'V'}, then close. Does nothing when it is not open. */
  void close() throws DeviceFailure;

  /** One line for the log, e.g. {@code Software Watchdog at /dev/watchdog1}. */
  String describe();
}
