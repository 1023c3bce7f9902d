package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.ClusterBuilder.nothing;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.emptyDataDirectory;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.LocalBuilder.stoppedPrimary;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.MemberState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Initialize race, bootstrap, adoption of an existing data directory, system identifier checks, cloning. */
class BootstrapTest {

  private static final String NEW_SYSID = "7300000000000000001";

  private static Scenario freshNode() {
    return node("node1").in(nothing()).with(emptyDataDirectory());
  }

  @Test
  void emptyClusterRacesForInitializeThenBootstraps() {
    Decision d = freshNode().decide();
    assertEquals(Reason.BOOTSTRAP_RACE, d.reason());
    assertEquals(List.of(Action.RaceInitialize.class, Action.Bootstrap.class, Action.TouchMember.class), kinds(d));
    assertEquals("trying to bootstrap a new cluster", d.message());
  }

  @Test
  void nodeThatMayNotBootstrapWaitsForALeader() {
    Decision d = freshNode().noBootstrap().decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertFalse(d.has(Action.RaceInitialize.class));
  }

  @Test
  void nofailoverNodeDoesNotRaceForInitialize() {
    assertEquals(Reason.WAITING_FOR_LEADER, freshNode().nofailover().decide().reason());
  }

  @Test
  void raceLoserWaitsForTheLeaderToBootstrap() {
    Decision d = node("node2").in(nothing().initialize("")).with(emptyDataDirectory())
        .after(new Action.RaceInitialize(), new ActionOutcome.Conflict("exists"), T0)
        .decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertEquals("waiting for leader to bootstrap", d.message());
    assertEquals(List.of(Action.TouchMember.class), kinds(d));
  }

  @Test
  void winnerReportsBootstrapInProgress() {
    Decision d = freshNode().in(nothing().initialize(""))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .running(new Action.Bootstrap(), T0)
        .with(emptyDataDirectory().process(LocalState.ProcessState.STARTING))
        .decide();
    assertEquals(Reason.BOOTSTRAPPING, d.reason());
    assertEquals(MemberState.INITIALIZING, only(d, Action.TouchMember.class).status().state());
  }

  @Test
  void winnerWhoseBootstrapWasNotStartedStartsIt() {
    Decision d = freshNode().in(nothing().initialize(""))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .decide();
    assertTrue(d.has(Action.Bootstrap.class));
    assertFalse(d.has(Action.RaceInitialize.class));
  }

  @Test
  void winnerWritesInitializeAndConfigAndTakesTheLockOnceItsDatabaseRunsAsPrimary() {
    Map<String, Object> bootstrapDcs = Map.of("ttl", 30, "loop_wait", 10, "retry_timeout", 10);
    Decision d = node("node1").in(nothing().initialize("")).with(runningPrimary().sysid(NEW_SYSID).wal(100))
        .bootstrapDcs(bootstrapDcs)
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0.minusSeconds(5))
        .after(new Action.Bootstrap(), new ActionOutcome.Succeeded(), T0.minusSeconds(1))
        .decide();
    assertEquals(Reason.POST_BOOTSTRAP, d.reason());
    assertEquals(List.of(Action.WriteInitialize.class, Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class,
        Action.TouchMember.class, Action.WriteConfig.class), kinds(d));
    Action.WriteInitialize init = only(d, Action.WriteInitialize.class);
    assertEquals(NEW_SYSID, init.systemIdentifier());
    assertEquals(Optional.of(ClusterBuilder.INITIALIZE_VERSION), init.expectedVersion(), "CAS on the race marker");
    Action.WriteConfig config = only(d, Action.WriteConfig.class);
    assertEquals(bootstrapDcs, config.config().values());
    assertEquals(Optional.empty(), config.expectedVersion(), "create if absent");
    assertEquals(Duration.ZERO, d.recheckAfter());
  }

  @Test
  void winnerDoesNotOverwriteAConfigSomebodyAlreadyWrote() {
    Decision d = node("node1").in(cluster().initialize("")).with(runningPrimary().sysid(NEW_SYSID))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .after(new Action.Bootstrap(), new ActionOutcome.Succeeded(), T0)
        .decide();
    assertFalse(d.has(Action.WriteConfig.class));
    assertTrue(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void failedBootstrapCancelsInitialize() {
    Decision d = freshNode().in(nothing().initialize(""))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .after(new Action.Bootstrap(), new ActionOutcome.Failed("initdb exited 1"), T0)
        .decide();
    assertEquals(Reason.BOOTSTRAP_FAILED, d.reason());
    assertEquals(Action.CancelInitialize.class, d.actions().get(0).getClass());
    assertEquals(MemberState.BOOTSTRAP_FAILED, only(d, Action.TouchMember.class).status().state());
  }

  @Test
  void failedBootstrapStopsAServerItLeftRunning() {
    Decision d = freshNode().in(nothing().initialize("")).with(runningPrimary().sysid(NEW_SYSID))
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .after(new Action.Bootstrap(), new ActionOutcome.Failed("post_bootstrap failed"), T0)
        .decide();
    assertEquals(List.of(Action.CancelInitialize.class, Action.StopDatabase.class, Action.ActivateWatchdog.class,
        Action.TouchMember.class), kinds(d), "a writable primary without the lock is guarded until it stopped");
  }

  @Test
  void afterCancellingTheAgentGivesUpUntilRestarted() {
    Decision d = freshNode().in(nothing())
        .after(new Action.RaceInitialize(), new ActionOutcome.Succeeded(), T0)
        .after(new Action.Bootstrap(), new ActionOutcome.Failed("initdb exited 1"), T0)
        .after(new Action.CancelInitialize(), new ActionOutcome.Succeeded(), T0)
        .decide();
    assertEquals(Reason.BOOTSTRAP_GAVE_UP, d.reason());
    assertFalse(d.has(Action.RaceInitialize.class));
  }

  @Test
  void existingDataDirectoryIsAdoptedWhenTheClusterWasNeverInitialized() {
    Decision d = node("node1").in(nothing()).with(stoppedPrimary().sysid(NEW_SYSID)).decide();
    assertEquals(Reason.ADOPTING_EXISTING, d.reason());
    Action.WriteInitialize init = only(d, Action.WriteInitialize.class);
    assertEquals(NEW_SYSID, init.systemIdentifier());
    assertEquals(Optional.empty(), init.expectedVersion(), "create if absent: only one adopter wins");
  }

  @Test
  void existingDataDirectoryRunningAsReplicaIsNotAdopted() {
    Decision d = node("node1").in(nothing()).with(runningReplica().sysid(NEW_SYSID)).decide();
    assertEquals(Reason.ADOPT_REFUSED_REPLICA, d.reason());
    assertFalse(d.has(Action.WriteInitialize.class));
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void restartedBootstrapperClaimsTheRaceMarkerByCas() {
    Decision d = node("node1").in(nothing().initialize("")).with(runningPrimary().sysid(NEW_SYSID)).decide();
    assertEquals(Reason.ADOPTING_EXISTING, d.reason());
    assertEquals(Optional.of(ClusterBuilder.INITIALIZE_VERSION), only(d, Action.WriteInitialize.class).expectedVersion());
  }

  @Test
  void systemIdentifierMismatchIsRefusedAndNeverStarted() {
    Decision d = node("node2").in(cluster().leader("node1").member(member("node1").primary()))
        .with(stoppedPrimary().sysid(NEW_SYSID)).decide();
    assertEquals(Reason.SYSID_MISMATCH, d.reason());
    assertFalse(d.has(Action.StartDatabase.class));
    assertFalse(d.has(Action.WriteInitialize.class));
    assertFalse(d.has(Action.Reinitialize.class));
    Action.TouchMember touch = only(d, Action.TouchMember.class);
    assertEquals(Optional.empty(), touch.status().xlogLocation(), "no LSN from another cluster is published");
  }

  @Test
  void systemIdentifierMismatchStopsARunningPrimaryAndGivesUpTheLock() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary().sysid(NEW_SYSID))
        .lockUpdatedAt(T0.minusSeconds(5)).decide();
    assertEquals(Reason.SYSID_MISMATCH, d.reason());
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
    assertEquals(StopMode.FAST, only(d, Action.StopDatabase.class).mode());
  }

  @Test
  void emptyDataDirectoryClonesFromTheLeader() {
    Decision d = node("node3").in(cluster().leader("node1").members(member("node1").primary(), member("node2")))
        .with(emptyDataDirectory()).decide();
    assertEquals(Reason.CREATING_REPLICA, d.reason());
    assertEquals(Optional.of("node1"), only(d, Action.CreateReplica.class).source());
    assertEquals("bootstrap from leader (node1)", d.message());
  }

  @Test
  void emptyDataDirectoryClonesFromARunningClonefromMember() {
    Decision d = node("node3")
        .in(cluster().leader("node1").members(member("node1").primary(), member("node2").cloneFrom().wal(10),
            member("node4").cloneFrom().state(MemberState.STOPPED).wal(99)))
        .with(emptyDataDirectory()).decide();
    assertEquals(Optional.of("node2"), only(d, Action.CreateReplica.class).source());
  }

  @Test
  void emptyDataDirectoryWithoutLeaderButInitializedClusterWaits() {
    Decision d = node("node3").in(cluster()).with(emptyDataDirectory()).decide();
    assertEquals(Reason.WAITING_FOR_LEADER, d.reason());
    assertFalse(d.has(Action.RaceInitialize.class));
  }

  @Test
  void invalidDataDirectoryIsReportedNotTouched() {
    Decision d = node("node3").in(cluster().leader("node1")).with(emptyDataDirectory().invalidDataDirectory()).decide();
    assertEquals(Reason.DATA_DIRECTORY_INVALID, d.reason());
    assertEquals(List.of(Action.TouchMember.class), kinds(d));
  }
}
