package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.MemberBuilder.member;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.MemberState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one rule for whether a switchover or failover can be done, as the command API, the REST API and
 * {@code ctl} apply it (and the leader again before it steps down).
 */
class SwitchoverCheckTest {

  private static ClusterView threeNodes() {
    return cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000)).build();
  }

  private static SwitchoverRequest switchover(String leader, String candidate) {
    return new SwitchoverRequest(SwitchoverRequest.Kind.SWITCHOVER, Optional.ofNullable(leader),
        Optional.ofNullable(candidate), Optional.empty());
  }

  private static Optional<String> refusal(ClusterView c, SwitchoverRequest r) {
    return SwitchoverCheck.refusal(c, r, Map.of());
  }

  @Test
  void aHealthyCandidateOrAnyHealthyMemberMayTakeOver() {
    assertEquals(Optional.empty(), refusal(threeNodes(), switchover("node1", "node2")));
    assertEquals(Optional.empty(), refusal(threeNodes(), switchover("node1", null)));
  }

  @Test
  void theNamedLeaderMustHoldTheLock() {
    assertEquals(Optional.of("the leader is 'node1', not 'node2'"), refusal(threeNodes(), switchover("node2", "node3")));
  }

  @Test
  void theCandidateMustBeAnotherMemberThatCouldTakeOver() {
    assertEquals(Optional.of("there is no member named 'node9'"), refusal(threeNodes(), switchover("node1", "node9")));
    assertEquals(Optional.of("the candidate 'node1' is the leader already"), refusal(threeNodes(), switchover(null, "node1")));
    ClusterView lagging = cluster().leader("node1").optime(50_000_000)
        .members(member("node1").primary().wal(50_000_000), member("node2").wal(1000)).build();
    assertEquals(Optional.of("candidate node2 cannot take over (it lags 49999000 bytes, more than maximum_lag_on_failover)"),
        refusal(lagging, switchover("node1", "node2")));
    ClusterView stopped = cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").state(MemberState.STOPPED)).build();
    assertEquals(Optional.of("no healthy candidate (node2: it is not a running replica)"),
        refusal(stopped, switchover("node1", null)));
  }

  @Test
  void aPausedClusterNeedsACandidate() {
    ClusterView paused = cluster().leader("node1").optime(1000).paused()
        .members(member("node1").primary().wal(1000), member("node2").wal(1000)).build();
    assertEquals(Optional.of("while the cluster is paused a switchover needs a candidate"),
        refusal(paused, switchover("node1", null)));
    assertEquals(Optional.empty(), refusal(paused, switchover("node1", "node2")));
  }

  @Test
  void inSynchronousModeOnlyASynchronousStandbyMayBePromoted() {
    ClusterView sync = cluster().leader("node1").optime(1000).set("synchronous_mode", true).sync("node1", "node2")
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000)).build();
    assertEquals(Optional.empty(), refusal(sync, switchover("node1", "node2")));
    assertEquals(Optional.of("candidate 'node3' is not a synchronous standby"), refusal(sync, switchover("node1", "node3")));
  }

  @Test
  void theCandidatesOwnAnswerMustAgreeWhenItWasAsked() {
    SwitchoverRequest r = switchover("node1", "node2");
    assertEquals(List.of("node2"), SwitchoverCheck.membersToAsk(threeNodes(), r));
    assertEquals(List.of("node2", "node3"), SwitchoverCheck.membersToAsk(threeNodes(), switchover("node1", null)));
    assertEquals(Optional.of("candidate node2 cannot take over (it did not answer: timed out)"),
        SwitchoverCheck.refusal(threeNodes(), r, Map.of("node2", new PeerAnswer.NoAnswer("timed out"))));
    assertEquals(Optional.of("candidate node2 cannot take over (its watchdog failed)"),
        SwitchoverCheck.refusal(threeNodes(), r, Map.of("node2",
            new PeerAnswer.Answered(new PeerStatus(true, 1000, 1, false, 1, true)))));
    assertEquals(Optional.empty(), SwitchoverCheck.refusal(threeNodes(), r, Map.of("node2",
        new PeerAnswer.Answered(new PeerStatus(true, 1000, 1, false, 1, false)))));
  }
}
