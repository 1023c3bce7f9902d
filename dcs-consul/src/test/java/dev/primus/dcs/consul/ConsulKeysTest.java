package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.dcs.spi.DcsException;
import org.junit.jupiter.api.Test;

class ConsulKeysTest {

  @Test
  void dropsAndRestoresExactlyOneLeadingSlash() throws Exception {
    assertEquals("service/pg/leader", ConsulKeys.toConsul("/service/pg/leader"));
    assertEquals("service/pg/", ConsulKeys.toConsul("/service/pg/"));
    assertEquals("", ConsulKeys.toConsul("/"));
    assertEquals("/service/pg/leader", ConsulKeys.fromConsul("service/pg/leader"));
    assertEquals("/service/pg/members/node1",
        ConsulKeys.fromConsul(ConsulKeys.toConsul("/service/pg/members/node1")), "round trip");
  }

  @Test
  void refusesKeysConsulCannotAddress() {
    for (String bad : new String[] {"service/pg/leader", "", "//service/pg"}) {
      DcsException e = assertThrows(DcsException.class, () -> ConsulKeys.toConsul(bad), bad);
      assertEquals(DcsException.Kind.INVALID_REQUEST, e.kind(), bad);
    }
  }
}
