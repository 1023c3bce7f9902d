package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberRole;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operators' requests: the engine carries them out, refuses them with a reason, or lets them wait. */
class RequestsTest {

  private static ClusterBuilder twoNodes() {
    return cluster().leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000).cloneFrom());
  }

  private static Scenario leader() {
    return node("node1").in(twoNodes()).with(runningPrimary().wal(1000)).lockUpdatedAt(T0.minusSeconds(5))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(5));
  }

  private static Scenario replica() {
    return node("node2").in(twoNodes()).with(runningReplica().wal(1000).upstream("node1"));
  }

  private static RestartRequest restart(Optional<MemberRole> role, Optional<Integer> version, boolean pending) {
    return new RestartRequest(Optional.empty(), role, version, Optional.of(Duration.ofSeconds(90)), pending);
  }

  @Test
  void aRestartJoinsTheRoutinePlanWithItsTimeoutAndRequest() {
    Decision d = leader().request(new OperatorRequest.Restart(7, restart(Optional.empty(), Optional.empty(), false))).decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertEquals(new Action.RestartDatabase(Optional.of(Duration.ofSeconds(90)), Optional.of(7L)),
        only(d, Action.RestartDatabase.class));
    assertTrue(d.actions().indexOf(only(d, Action.RenewLeaderLock.class)) < d.actions().indexOf(only(d, Action.RestartDatabase.class)));
  }

  @Test
  void aRestartWhoseConditionsFailIsRefusedNamingTheCondition() {
    Decision role = leader().request(new OperatorRequest.Restart(1, restart(Optional.of(MemberRole.REPLICA),
        Optional.empty(), false))).decide();
    assertEquals(new Action.RefuseRequest(1, "restart conditions are not satisfied: role is primary, not replica"),
        only(role, Action.RefuseRequest.class));
    assertFalse(role.has(Action.RestartDatabase.class));

    Decision pending = leader().request(new OperatorRequest.Restart(2, restart(Optional.empty(), Optional.empty(), true)))
        .decide();
    assertEquals("restart conditions are not satisfied: no restart is pending",
        only(pending, Action.RefuseRequest.class).reason());
  }

  @Test
  void aRestartWhileALongActionRunsIsRefusedButAScheduledOneWaits() {
    Scenario busy = leader().running(new Action.RestartDatabase(), T0.minusSeconds(1));
    Decision now = busy.request(new OperatorRequest.Restart(3, restart(Optional.empty(), Optional.empty(), false))).decide();
    assertTrue(only(now, Action.RefuseRequest.class).reason().contains("long action"), now.toString());

    OffsetDateTime due = OffsetDateTime.ofInstant(T0.minusSeconds(1), ZoneOffset.UTC);
    Decision scheduled = leader().running(new Action.RestartDatabase(), T0.minusSeconds(1))
        .request(new OperatorRequest.Restart(4, new RestartRequest(Optional.of(due), Optional.empty(), Optional.empty(),
            Optional.empty(), false))).decide();
    assertFalse(scheduled.has(Action.RefuseRequest.class), "it waits for an idle cycle");
    assertFalse(scheduled.has(Action.RestartDatabase.class));
  }

  @Test
  void aScheduledRestartIsPublishedUntilItIsDueThenRuns() {
    OffsetDateTime at = OffsetDateTime.ofInstant(T0.plusSeconds(60), ZoneOffset.UTC);
    RestartRequest r = new RestartRequest(Optional.of(at), Optional.empty(), Optional.of(150010), Optional.empty(), false);
    Decision before = leader().request(new OperatorRequest.Restart(5, r)).decide();
    assertFalse(before.has(Action.RestartDatabase.class));
    var published = only(before, Action.TouchMember.class).status().scheduledRestart().orElseThrow();
    assertEquals(at.toString(), published.schedule());
    assertEquals(Map.of("postgres_version", "15.10"), published.extra());

    Decision due = leader().with(runningPrimary().wal(1000).version(150004)).lockUpdatedAt(T0.plusSeconds(55))
        .request(new OperatorRequest.Restart(5, r)).at(T0.plusSeconds(61)).decide();
    assertEquals(Optional.of(5L), only(due, Action.RestartDatabase.class).request());
  }

  @Test
  void theLeaderRefusesToReinitializeAndAReplicaRebuildsFromACloneSourceOrTheLeader() {
    Decision onLeader = leader().request(new OperatorRequest.Reinitialize(9, false, false)).decide();
    assertEquals(new Action.RefuseRequest(9, "I am the leader, can not reinitialize"), only(onLeader, Action.RefuseRequest.class));

    Decision fromClone = replica().request(new OperatorRequest.Reinitialize(10, false, false)).decide();
    assertEquals(new Action.Reinitialize("node3", Optional.of(10L)), only(fromClone, Action.Reinitialize.class));
    Decision fromLeader = replica().request(new OperatorRequest.Reinitialize(11, false, true)).decide();
    assertEquals(new Action.Reinitialize("node1", Optional.of(11L)), only(fromLeader, Action.Reinitialize.class));
  }

  @Test
  void aReinitializeWithoutALeaderOrWithoutTheDcsIsRefused() {
    Decision noLeader = node("node2").in(cluster().optime(1000).members(member("node2").wal(1000)))
        .with(runningReplica().wal(1000)).request(new OperatorRequest.Reinitialize(12, false, false)).decide();
    assertEquals("Cluster has no leader, can not reinitialize", only(noLeader, Action.RefuseRequest.class).reason());

    Decision noDcs = node("node2").in(twoNodes().disconnected()).with(runningReplica().wal(1000))
        .request(new OperatorRequest.Reinitialize(13, false, false)).decide();
    assertEquals("the DCS is not accessible", only(noDcs, Action.RefuseRequest.class).reason());
  }

  @Test
  void aReloadAppliesTheParametersAnnouncedAndOnlyOnceNothingRuns() {
    Decision d = replica().request(new OperatorRequest.Reload(14)).decide();
    Action.ApplyParameters apply = only(d, Action.ApplyParameters.class);
    assertEquals(Optional.of(14L), apply.request());
    assertTrue(apply.announce());

    Decision busy = replica().running(new Action.Follow("node1"), T0.minusSeconds(1))
        .request(new OperatorRequest.Reload(15)).decide();
    assertFalse(busy.has(Action.ApplyParameters.class), "waits until the driver is free");
    assertFalse(busy.has(Action.RefuseRequest.class));
  }
}
