package dev.primus.agent.watchdog;

import java.nio.file.Path;

/**
 * Makes the {@link WatchdogDevice} for a device path: Patroni's {@code watchdog.driver}. Two are here, in
 * plain Java: {@link #testing()} and {@link #writeOnly()}. The one Patroni calls {@code default} on Linux sets
 * the timeout through ioctls, which need native access: the runner provides it
 * ({@code dev.primus.runner.watchdog.LinuxWatchdogDevice}), so that this module keeps no native dependency; an
 * embedder passes that driver, or its own.
 */
public interface WatchdogDriver {

  /** The driver's name, as {@code watchdog.driver} spells it ({@code default}, {@code testing}, ...). */
  String name();

  /** A device for {@code path}, not opened yet. Does no I/O. */
  WatchdogDevice device(Path path);

  /**
   * Patroni's {@code driver: testing}: no ioctl, every request written to the device file as text, so a test
   * harness reading a named pipe sees it: {@code Ctimeout=<seconds>\n} when the timeout is set, {@code 1} per
   * keepalive, {@code V} before closing. The timeout reads back as set (60 s before any is set). Opening a named
   * pipe waits for its reader, as in Patroni.
   */
  static WatchdogDriver testing() {
    return BuiltInDrivers.TESTING;
  }

  /**
   * The Linux device in plain Java: it opens the device, writes one byte per keepalive and {@code 'V'} before
   * closing, but cannot issue ioctls, so it cannot set the timeout. It reads the timeout from sysfs
   * ({@code /sys/class/watchdog/watchdogN/timeout}) when the kernel offers it, so {@code required} still
   * accepts it when the operator has set a safe timeout (softdog: {@code soft_margin}); otherwise the timeout
   * is unknown, which {@code required} refuses and {@code automatic} warns about.
   */
  static WatchdogDriver writeOnly() {
    return BuiltInDrivers.WRITE_ONLY;
  }
}
