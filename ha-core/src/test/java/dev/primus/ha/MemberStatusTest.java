package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.crashedPrimary;
import static dev.primus.ha.LocalBuilder.emptyDataDirectory;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The member key written every cycle the DCS is reachable. */
class MemberStatusTest {

  private static MemberStatus touched(Scenario s) {
    return only(s.decide(), Action.TouchMember.class).status();
  }

  @Test
  void replicaPublishesItsPositionsTimelineAndReplicationState() {
    MemberStatus s = touched(node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(runningReplica().wal(777).replay(700).timeline(3).upstream("node1")));
    assertEquals("postgres://node2:5432/postgres", s.connUrl());
    assertEquals("http://node2:8008/patroni", s.apiUrl());
    assertEquals(MemberRole.REPLICA, s.role());
    assertEquals(MemberState.RUNNING, s.state());
    assertEquals(Optional.of(777L), s.xlogLocation());
    assertEquals(Optional.of(777L), s.receiveLsn());
    assertEquals(Optional.of(700L), s.replayLsn());
    assertEquals(Optional.of(3L), s.timeline());
    assertEquals(Optional.of("streaming"), s.replicationState());
    assertEquals(Optional.of("0.1.0"), s.version());
    assertFalse(s.pause());
  }

  @Test
  void primaryPublishesItsLocationWithoutReplicaFields() {
    MemberStatus s = touched(node("node1").in(cluster().leader("node1")).with(runningPrimary().wal(5000))
        .lockUpdatedAt(T0.minusSeconds(1)));
    assertEquals(MemberRole.PRIMARY, s.role());
    assertEquals(Optional.of(5000L), s.xlogLocation());
    assertEquals(Optional.empty(), s.receiveLsn());
    assertEquals(Optional.empty(), s.replicationState());
  }

  @Test
  void tagsAndPauseAreCarried() {
    Tags tags = new Tags(true, false, false, Optional.empty(), false, false, 1, Map.of("nofailover", true, "zone", "b"));
    MemberStatus s = touched(node("node2").tags(tags).in(cluster().paused().leader("node1")).with(runningReplica()));
    assertEquals(tags, s.tags());
    assertTrue(s.pause());
  }

  @Test
  void emptyDataDirectoryIsUninitializedWithoutPositions() {
    MemberStatus s = touched(node("node3").in(cluster().leader("node1").members(member("node1").primary()))
        .with(emptyDataDirectory()));
    assertEquals(MemberRole.UNINITIALIZED, s.role());
    assertEquals(Optional.empty(), s.xlogLocation());
    assertEquals(Optional.empty(), s.timeline());
  }

  @Test
  void crashedServerIsReportedCrashed() {
    MemberStatus s = touched(node("node2").in(cluster().leader("node1").members(member("node1").primary()))
        .with(crashedPrimary().wal(10)));
    assertEquals(MemberState.CRASHED, s.state());
  }

  @Test
  void longActionsNameTheState() {
    Scenario s = node("node3").in(cluster().leader("node1").members(member("node1").primary()))
        .with(emptyDataDirectory()).running(new Action.CreateReplica("node1"), T0);
    assertEquals(MemberState.CREATING_REPLICA, touched(s).state());
    Scenario r = node("node3").in(cluster().leader("node1")).with(LocalBuilder.stoppedPrimary())
        .running(new Action.Rewind("node1"), T0);
    assertEquals(MemberState.REWINDING, touched(r).state());
  }
}
