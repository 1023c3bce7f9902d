package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The watchdog is armed while leading, petted right after each successful lock update, disarmed otherwise. */
class WatchdogTest {

  private static AgentMemory armedLeader() {
    return AgentMemory.initial()
        .record(new Action.AcquireLeaderLock(), new ActionOutcome.Succeeded(), T0.minusSeconds(10))
        .record(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10));
  }

  @Test
  void keepaliveFollowsTheRenewalDirectly() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary()).memory(armedLeader()).decide();
    List<Class<?>> k = kinds(d);
    assertEquals(k.indexOf(Action.RenewLeaderLock.class) + 1, k.indexOf(Action.KeepaliveWatchdog.class));
  }

  @Test
  void leaderWithADisarmedWatchdogArmsIt() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary()).lockUpdatedAt(T0.minusSeconds(10)).decide();
    assertTrue(d.has(Action.ActivateWatchdog.class));
    assertFalse(d.has(Action.KeepaliveWatchdog.class));
  }

  @Test
  void watchdogIsArmedBeforeThePromotion() {
    Decision d = node("node2").in(cluster().members(member("node2"))).with(runningReplica()).decide();
    List<Class<?>> k = kinds(d);
    assertTrue(k.indexOf(Action.ActivateWatchdog.class) < k.indexOf(Action.Promote.class));
    assertTrue(k.indexOf(Action.AcquireLeaderLock.class) < k.indexOf(Action.ActivateWatchdog.class));
  }

  @Test
  void followerDisarmsAWatchdogItStillHasArmed() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node2").primary()))
        .with(runningReplica().upstream("node2")).memory(armedLeader()).decide();
    assertEquals(Action.DisableWatchdog.class, d.actions().get(0).getClass());
  }

  @Test
  void demotingPrimaryKeepsTheWatchdogArmedUntilItStopped() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node2").primary()))
        .with(runningPrimary()).memory(armedLeader()).decide();
    assertTrue(d.has(Action.Demote.class));
    assertFalse(d.has(Action.DisableWatchdog.class), "a frozen agent in mid-demotion must still be reset");
  }

  @Test
  void primaryStoppedWithoutTheLockIsGuardedUntilItIsDown() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node2").primary()))
        .with(runningPrimary()).decide();
    List<Class<?>> k = kinds(d);
    assertEquals(k.indexOf(Action.Demote.class) + 1, k.indexOf(Action.ActivateWatchdog.class),
        "armed right after the demotion is started, never before it");
    Decision offline = node("node1").in(cluster().leader("node1").disconnected()).with(runningPrimary()).decide();
    assertEquals(List.of(Action.Demote.class, Action.ActivateWatchdog.class), kinds(offline));
  }

  @Test
  void bootstrappingPrimaryIsNotArmedBecauseNobodyWouldPetIt() {
    Decision d = node("node1").in(ClusterBuilder.nothing().initialize("")).with(runningPrimary().sysid("7300000000000000001"))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .running(new Action.Bootstrap(), T0).decide();
    assertFalse(d.has(Action.ActivateWatchdog.class));
  }

  @Test
  void nothingIsSaidToAWatchdogThatIsNotArmed() {
    Decision d = node("node1").in(cluster().leader("node2").members(member("node2").primary()))
        .with(runningReplica().upstream("node2")).decide();
    assertFalse(d.has(Action.DisableWatchdog.class));
  }

  @Test
  void failedActivationGivesTheLockUpBeforePromoting() {
    Decision d = node("node2").in(cluster().leader("node2").members(member("node2"))).with(runningReplica())
        .lockUpdatedAt(T0.minusSeconds(1))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Failed("/dev/watchdog: no such device"), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.WATCHDOG_FAILED, d.reason());
    assertEquals(List.of(Action.ReleaseLeaderLock.class, Action.TouchMember.class), kinds(d));
  }

  @Test
  void failedActivationOnAPrimaryStopsItThenReleases() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(1))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Failed("required watchdog unusable"), T0.minusSeconds(1))
        .decide();
    assertEquals(DemoteMode.IMMEDIATE, only(d, Action.Demote.class).mode());
  }

  @Test
  void watchdogActionsAreNeitherLongNorDcsWrites() {
    for (Action a : List.of(new Action.ActivateWatchdog(), new Action.KeepaliveWatchdog(), new Action.DisableWatchdog())) {
      assertFalse(a.isLong(), a.toString());
      assertFalse(a.writesDcs(), a.toString());
    }
  }
}
