package dev.primus.runner.watchdog;

import java.util.Locale;
import java.util.Set;

/**
 * The request numbers of the Linux watchdog ioctls this package uses ({@code linux/watchdog.h}), encoded the
 * way {@code linux/ioctl.h}'s {@code _IOC} does on the machine's architecture: most use 2 direction bits and 14
 * size bits with read = 2 and write = 1; powerpc, mips, sparc and alpha use 3 direction bits and 13 size bits
 * with none = 1, read = 2 and write = 4.
 *
 * @param getSupport {@code WDIOC_GETSUPPORT}: read {@code struct watchdog_info}
 * @param setTimeout {@code WDIOC_SETTIMEOUT}: write an int, the driver writes back the timeout it took
 * @param getTimeout {@code WDIOC_GETTIMEOUT}: read an int
 */
record WatchdogIoctls(long getSupport, long setTimeout, long getTimeout) {

  /** {@code sizeof(struct watchdog_info)}: options, firmware_version (u32 each), identity (32 bytes). */
  static final int WATCHDOG_INFO_SIZE = 4 + 4 + 32;
  private static final int INT_SIZE = 4;
  private static final char TYPE = 'W';
  private static final Set<String> THREE_DIRECTION_BITS = Set.of("ppc", "ppc64", "ppc64le", "powerpc", "powerpc64",
      "powerpc64le", "mips", "mipsel", "mips64", "mips64el", "sparc", "sparcv9", "sparc64", "alpha");

  /** The numbers for the architecture {@code os.arch} names ({@code amd64}, {@code aarch64}, {@code ppc64le}, ...). */
  static WatchdogIoctls forArch(String osArch) {
    Encoding e = THREE_DIRECTION_BITS.contains(osArch.toLowerCase(Locale.ROOT))
        ? new Encoding(13, 1, 2, 4)
        : new Encoding(14, 0, 2, 1);
    return new WatchdogIoctls(
        e.request(e.read, 0, WATCHDOG_INFO_SIZE),
        e.request(e.read | e.write, 6, INT_SIZE),
        e.request(e.read, 7, INT_SIZE));
  }

  /** This machine's. */
  static WatchdogIoctls ofThisMachine() {
    return forArch(System.getProperty("os.arch", ""));
  }

  /** One architecture's {@code _IOC}: number in bits 0-7, type in 8-15, then the size, then the direction. */
  private record Encoding(int sizeBits, int none, int read, int write) {
    long request(int direction, int number, int size) {
      int sizeShift = 16;
      int directionShift = sizeShift + sizeBits;
      return ((long) direction << directionShift) | ((long) size << sizeShift) | ((long) TYPE << 8) | number;
    }
  }
}
