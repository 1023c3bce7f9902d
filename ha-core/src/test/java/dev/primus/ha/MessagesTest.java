package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operator's log lines read like Patroni's, and every reason renders without placeholders left. */
class MessagesTest {

  @Test
  void leaderLineIsPatronis() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary()).lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals("no action. I am (node1), the leader with the lock", d.message());
  }

  @Test
  void followerLineIsPatronis() {
    Decision d = node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(runningReplica().upstream("node1")).decide();
    assertEquals("no action. I am (node2), a secondary, and following a leader (node1)", d.message());
  }

  @Test
  void everyReasonRendersWithoutPlaceholders() {
    for (Reason r : Reason.values()) {
      String line = new Decision(List.of(), r, "node1", Optional.of("node2"), Duration.ZERO).message();
      assertFalse(line.contains("{"), r + ": " + line);
      assertFalse(line.isBlank(), r.name());
    }
  }
}
