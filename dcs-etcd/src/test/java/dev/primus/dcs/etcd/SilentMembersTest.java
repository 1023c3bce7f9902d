package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which member a timed-out call was on, and how long it is passed over (issue 11). */
class SilentMembersTest {

  @Test
  void theMemberIsReadFromGrpcsDeadlineDescription() {
    assertEquals(new InetSocketAddress("10.213.0.12", 2379), SilentMembers.remoteOf(
        "CallOptions deadline exceeded after 0.999930797s. Name resolution delay 0.000000000 seconds."
            + " [closed=[], open=[[remote_addr=/10.213.0.12:2379]]]"));
    assertEquals(new InetSocketAddress("10.213.0.13", 2379), SilentMembers.remoteOf(
        "deadline exceeded after 2.9999s. [closed=[], open=[[remote_addr=etcd3/10.213.0.13:2379]]]"));
    assertEquals(new InetSocketAddress("::1", 2379), SilentMembers.remoteOf("[open=[[remote_addr=/[0:0:0:0:0:0:0:1]:2379]]]"));
    assertNull(SilentMembers.remoteOf("deadline exceeded after 1s. [buffered_nanos=1000, waiting_for_connection]"));
    assertNull(SilentMembers.remoteOf(null));
    assertNull(SilentMembers.remoteOf("remote_addr=garbage"));
  }

  @Test
  void aSilentMemberIsPassedOverForTheQuarantineOnly() throws Exception {
    try (SilentMembers s = SilentMembers.register(Duration.ofMillis(200))) {
      InetSocketAddress m = new InetSocketAddress("10.213.0.12", 2379);
      assertFalse(s.isSilent(m));
      s.markSilent(m);
      assertTrue(s.isSilent(m));
      assertFalse(s.isSilent(new InetSocketAddress("10.213.0.11", 2379)));
      Thread.sleep(250);
      assertFalse(s.isSilent(m), "after the quarantine");
      assertTrue(io.grpc.LoadBalancerRegistry.getDefaultRegistry().getProvider(s.policyName()) != null);
    }
  }
}
