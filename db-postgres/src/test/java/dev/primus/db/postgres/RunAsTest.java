package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.RunAs.Identity;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class RunAsTest {
  private static final Identity ROOT = new Identity(0, "root");
  private static final Identity ALICE = new Identity(1000, "alice");

  @Test
  void rootWithoutAnOsUserIsRefused() {
    DriverException e = assertThrows(DriverException.class, () -> RunAs.resolve(ROOT, Optional.empty()));
    assertEquals(Kind.REFUSED, e.kind());
    assertTrue(e.getMessage().contains("postgresql.os_user is not set"), e.getMessage());
  }

  @Test
  void rootAsOsUserIsRefused() {
    assertEquals(Kind.REFUSED, assertThrows(DriverException.class, () -> RunAs.resolve(ROOT, Optional.of("root"))).kind());
  }

  @Test
  void anUnknownOsUserIsAConfigError() {
    DriverException e = assertThrows(DriverException.class, () -> RunAs.resolve(ROOT, Optional.of("no-such-user-primus")));
    assertEquals(Kind.INVALID_CONFIG, e.kind());
    assertTrue(e.getMessage().contains("no-such-user-primus"), e.getMessage());
  }

  @Test
  void anUnprivilegedPrimusRunsToolsItself() throws DriverException {
    RunAs self = RunAs.resolve(ALICE, Optional.empty());
    assertEquals(List.of(), self.prefix());
    assertFalse(self.switchesUser());
    assertEquals(List.of(), RunAs.resolve(ALICE, Optional.of("alice")).prefix());
    DriverException other = assertThrows(DriverException.class, () -> RunAs.resolve(ALICE, Optional.of("postgres")));
    assertEquals(Kind.INVALID_CONFIG, other.kind());
  }

  @Test
  void rootSwitchesToTheOsUser() throws DriverException {
    // "nobody" exists on every Linux system.
    RunAs nobody = RunAs.resolve(ROOT, Optional.of("nobody"));
    assertTrue(nobody.switchesUser());
    List<String> prefix = nobody.prefix();
    assertTrue(prefix.get(0).endsWith("setpriv") || prefix.get(0).endsWith("runuser"), prefix.toString());
    assertEquals("--", prefix.get(prefix.size() - 1));
  }
}
