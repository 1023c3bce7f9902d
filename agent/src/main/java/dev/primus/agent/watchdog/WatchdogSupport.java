package dev.primus.agent.watchdog;

import java.util.Objects;

/**
 * What a watchdog device says about itself (Linux's {@code struct watchdog_info}, answer to
 * {@code WDIOC_GETSUPPORT}).
 *
 * @param options         the {@code WDIOF_*} bits the driver supports
 * @param firmwareVersion the card's firmware version, 0 if it has none
 * @param identity        the driver's name for the device (e.g. {@code Software Watchdog})
 */
public record WatchdogSupport(int options, int firmwareVersion, String identity) {

  /** {@code WDIOF_SETTIMEOUT}: the timeout can be set. */
  public static final int SET_TIMEOUT = 0x0080;
  /** {@code WDIOF_MAGICCLOSE}: writing {@code 'V'} before closing disarms it. */
  public static final int MAGIC_CLOSE = 0x0100;
  /** {@code WDIOF_KEEPALIVEPING}: {@code WDIOC_KEEPALIVE} pets it. */
  public static final int KEEPALIVE_PING = 0x8000;

  public WatchdogSupport {
    Objects.requireNonNull(identity, "identity");
  }

  /** Whether the timeout can be set. */
  public boolean canSetTimeout() {
    return (options & SET_TIMEOUT) != 0;
  }

  /**
   * Whether a clean close disarms it. A device without magic close keeps counting once opened, so the node is
   * reset after the agent stops petting it, even on purpose.
   */
  public boolean canBeDisarmed() {
    return (options & MAGIC_CLOSE) != 0;
  }
}
