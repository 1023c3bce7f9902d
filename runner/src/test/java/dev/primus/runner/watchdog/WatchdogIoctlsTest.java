package dev.primus.runner.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The request numbers match what {@code linux/watchdog.h} expands to on each family of architectures. */
class WatchdogIoctlsTest {

  @Test
  void theCommonEncodingOfX86ArmAndRiscV() {
    // The values C's _IOR/_IOWR give on x86-64 (and aarch64, arm, riscv64, s390x): see linux/ioctl.h.
    WatchdogIoctls expected = new WatchdogIoctls(0x80285700L, 0xC0045706L, 0x80045707L);
    assertEquals(expected, WatchdogIoctls.forArch("amd64"));
    assertEquals(expected, WatchdogIoctls.forArch("aarch64"));
    assertEquals(expected, WatchdogIoctls.forArch("riscv64"));
  }

  @Test
  void theEncodingOfPowerPcMipsAndSparc() {
    WatchdogIoctls expected = new WatchdogIoctls(0x40285700L, 0xC0045706L, 0x40045707L);
    assertEquals(expected, WatchdogIoctls.forArch("ppc64le"));
    assertEquals(expected, WatchdogIoctls.forArch("mips64el"));
    assertEquals(expected, WatchdogIoctls.forArch("sparcv9"));
  }
}
