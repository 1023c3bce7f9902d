package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.Decisions.kinds;
import static dev.primus.ha.Decisions.only;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.LocalBuilder.runningReplica;
import static dev.primus.ha.MemberBuilder.member;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static dev.primus.ha.Scenario.replicaAnswer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.SyncState;
import dev.primus.ha.LocalState.SynchronousStandbys;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Synchronous replication ({@code synchronous_mode: on}): the primary's choice of synchronous standbys,
 * the order of {@code synchronous_standby_names} and the {@code sync} key, strict mode, turning it off,
 * quorum refused, and who may be promoted.
 */
class SyncReplicationTest {
  static final long SYNC_VERSION = 14;

  /** node1 leads with the lock; node2 and node3 are running replicas. Synchronous mode is on. */
  private static ClusterBuilder syncCluster() {
    return cluster().set("synchronous_mode", true).leader("node1").optime(1000)
        .members(member("node1").primary().wal(1000), member("node2").wal(1000), member("node3").wal(1000));
  }

  private static Scenario primary(ClusterBuilder c, LocalBuilder l) {
    return node("node1").in(c).with(l).lockUpdatedAt(T0.minusSeconds(10))
        .after(new Action.ActivateWatchdog(), new ActionOutcome.Succeeded(), T0.minusSeconds(10));
  }

  private static LocalBuilder primaryAt(long wal) {
    return runningPrimary().wal(wal);
  }

  private static SyncState state(String leader, String... standbys) {
    return new SyncState(Optional.of(leader), 0, List.of(standbys));
  }

  private static List<Action> syncActions(Decision d) {
    return d.actions().stream().filter(a -> a instanceof Action.WriteSyncState || a instanceof Action.SetSynchronousStandbys
        || a instanceof Action.DeleteSyncState || a instanceof Action.ClearSynchronousStandbys).toList();
  }

  // ---- the primary claims the key ---------------------------------------------------------------

  @Test
  void primaryCreatesTheSyncKeyNamingNoStandbyWhenItIsMissing() {
    Decision d = primary(syncCluster(), primaryAt(1000).ssn(1000)).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.empty())), syncActions(d));
    assertEquals(Reason.LOCK_RENEWED, d.reason());
  }

  @Test
  void primaryReplacesASyncKeyWrittenByAnotherLeaderWithNoStandbyFirst() {
    Decision d = primary(syncCluster().sync("node0", "node2"), primaryAt(1000).ssn(1000)
        .standby("node2", "async", 1000)).decide();
    List<Action> sync = syncActions(d);
    assertEquals(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)), sync.get(0));
    assertEquals(new Action.SetSynchronousStandbys(List.of("node2"), 1), sync.get(1), "then picks its own standby");
  }

  @Test
  void syncActionsRunAfterTheLockRenewalAndTheMemberKey() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1000).ssn(1000).standby("node2", "async", 1000)).decide();
    List<Class<?>> kinds = kinds(d);
    assertTrue(kinds.indexOf(Action.RenewLeaderLock.class) < kinds.indexOf(Action.SetSynchronousStandbys.class));
    assertTrue(kinds.indexOf(Action.TouchMember.class) < kinds.indexOf(Action.SetSynchronousStandbys.class),
        "a CAS conflict on sync must not hold the member key back");
  }

  // ---- adding a standby: SSN first, the key once confirmed ---------------------------------------

  @Test
  void aNewStandbyGoesIntoSynchronousStandbyNamesFirstAndNotYetIntoTheKey() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1000).ssn(1000).standby("node2", "async", 990)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node2"), 1)), syncActions(d));
    assertTrue(d.recheckAfter().compareTo(Duration.ofSeconds(1)) <= 0, "looks again soon to confirm it");
  }

  @Test
  void aStandbyReportedSyncButShortOfThePositionWhenSsnTookEffectIsNotNamedYet() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1500).ssn(1200, "node2").standby("node2", "sync", 1100))
        .decide();
    assertEquals(List.of(), syncActions(d), "commits acknowledged before 1200 did not wait for node2");
    assertEquals(SyncReplication.CONFIRM_RECHECK, d.recheckAfter());
  }

  @Test
  void aStandbyNotReportedSyncIsNotNamed() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1500).ssn(1200, "node2").standby("node2", "potential", 1500))
        .decide();
    assertEquals(List.of(), syncActions(d));
  }

  @Test
  void aStandbyStillCatchingUpIsNeitherPickedNorNamed() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1500).ssn(1200, "node2")
        .standbyRow(new LocalState.ReplicaConnection("node2", "catchup", "sync", 1500, 1500))).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of(), 0)), syncActions(d), "nobody to wait for");
  }

  @Test
  void aConfirmedStandbyIsWrittenIntoTheKeyByCas() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1500).ssn(1200, "node2").standby("node2", "sync", 1200))
        .decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1", "node2"), Optional.of(SYNC_VERSION))), syncActions(d));
  }

  @Test
  void applicationNamesMatchMembersWithoutCase() {
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1500).ssn(1200, "NODE2").standby("NODE2", "sync", 1300))
        .decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1", "node2"), Optional.of(SYNC_VERSION))), syncActions(d));
  }

  @Test
  void aSettledStateWritesNothing() {
    Decision d = primary(syncCluster().sync("node1", "node2"), primaryAt(1500).ssn(1200, "node2")
        .standby("node2", "sync", 1400).standby("node3", "async", 1450)).decide();
    assertEquals(List.of(), syncActions(d));
    assertEquals(Duration.ofSeconds(10), d.recheckAfter());
  }

  @Test
  void aUserValueOfSynchronousStandbyNamesIsReplaced() {
    SynchronousStandbys user = new SynchronousStandbys(List.of("node2"), 1, false, false, 1000);
    Decision d = primary(syncCluster().sync("node1"), primaryAt(1000).userSsn(user).standby("node2", "sync", 1000)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node2"), 1)), syncActions(d));
  }

  @Test
  void aQuorumValueIsReplacedAndItsStandbysAreNotTrusted() {
    SynchronousStandbys quorum = new SynchronousStandbys(List.of("node2", "node3"), 1, true, true, 1000);
    Decision d = primary(syncCluster().sync("node1", "node2"), primaryAt(1000).userSsn(quorum)
        .standby("node2", "quorum", 1000)).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of("node2"), 1)), syncActions(d), "ANY 1 does not make every commit wait for node2");
  }

  // ---- picking ---------------------------------------------------------------------------------

  @Test
  void synchronousNodeCountPicksThatManyStandbys() {
    Decision d = primary(syncCluster().set("synchronous_node_count", 2).sync("node1"), primaryAt(1000).ssn(1000)
        .standby("node3", "async", 1000).standby("node2", "async", 990)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node2", "node3"), 2)), syncActions(d));
  }

  @Test
  void theMostAdvancedStandbyIsPickedAndTheCurrentOneIsKept() {
    Decision fresh = primary(syncCluster().sync("node1"), primaryAt(1000).ssn(1000)
        .standby("node2", "async", 900).standby("node3", "async", 950)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node3"), 1)), syncActions(fresh));

    Decision kept = primary(syncCluster().sync("node1", "node2"), primaryAt(1000).ssn(800, "node2")
        .standby("node2", "sync", 900).standby("node3", "async", 950)).decide();
    assertEquals(List.of(), syncActions(kept), "a synchronous standby is not swapped for a slightly faster one");
  }

  @Test
  void nosyncMembersAndStrangersAreNotPicked() {
    Decision d = primary(cluster().set("synchronous_mode", true).leader("node1").sync("node1")
        .members(member("node1").primary(), member("node2").nosync()),
        primaryAt(1000).ssn(1000).standby("node2", "async", 1000).standby("pg_receivewal", "async", 1000)).decide();
    assertEquals(List.of(), syncActions(d), "nobody to pick, and SSN already waits for nobody");
  }

  @Test
  void membersThatMayFailOverArePickedBeforeNofailoverOnes() {
    Decision d = primary(cluster().set("synchronous_mode", true).leader("node1").sync("node1")
        .members(member("node1").primary(), member("node2").nofailover(), member("node3")),
        primaryAt(1000).ssn(1000).standby("node2", "async", 1000).standby("node3", "async", 900)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node3"), 1)), syncActions(d));
  }

  @Test
  void maximumLagOnSyncnodeSwapsALaggingStandbyAndUnnamesItFirst() {
    Decision d = primary(syncCluster().set("maximum_lag_on_syncnode", 1000).sync("node1", "node2"),
        primaryAt(10_000).ssn(500, "node2").standby("node2", "sync", 100).standby("node3", "async", 9_500)).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of("node3"), 1)), syncActions(d));
  }

  @Test
  void underRemoteApplyTheLagIsMeasuredOnReplaySoAPausedReplayIsSwappedOut() {
    // node2 has flushed everything but replays nothing (pg_wal_replay_pause): under remote_apply every
    // commit waits for its replay, so it is 9 900 bytes behind, not 0 (Patroni measures replay_lsn there).
    ClusterBuilder remoteApply = syncCluster().set("maximum_lag_on_syncnode", 1000)
        .set("postgresql", Map.of("parameters", Map.of("synchronous_commit", "remote_apply"))).sync("node1", "node2");
    LocalBuilder rows = primaryAt(10_000).ssn(500, "node2")
        .standbyRow(new LocalState.ReplicaConnection("node2", "streaming", "sync", 10_000, 100))
        .standbyRow(new LocalState.ReplicaConnection("node3", "streaming", "async", 9_500, 9_500));
    Decision d = primary(remoteApply, rows).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of("node3"), 1)), syncActions(d));

    // The same rows under the default (on): flush counts, node2 is current and stays.
    Decision flush = primary(syncCluster().set("maximum_lag_on_syncnode", 1000).sync("node1", "node2"), rows).decide();
    assertEquals(List.of(), syncActions(flush), "flush is current: nothing changes");
  }

  // ---- removing: the key first, then SSN -------------------------------------------------------

  @Test
  void aStandbyThatLeftIsUnnamedBeforeSsnStopsWaitingForIt() {
    Decision d = primary(syncCluster().sync("node1", "node2"), primaryAt(1500).ssn(1200, "node2")
        .standby("node3", "async", 1490)).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of("node3"), 1)), syncActions(d));
  }

  @Test
  void withoutStandbysCommitsStopWaitingAndTheKeyNamesNone() {
    Decision d = primary(syncCluster().sync("node1", "node2"), primaryAt(1500).ssn(1200, "node2")).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of(), 0)), syncActions(d));
  }

  @Test
  void shrinkingFromTwoToOneKeepsTheStandbyBothRequire() {
    Decision d = primary(syncCluster().set("synchronous_node_count", 2).sync("node1", "node2", "node3"),
        primaryAt(1500).ssn(1000, "node2", "node3").standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(new Action.WriteSyncState(state("node1", "node2"), Optional.of(SYNC_VERSION)),
        new Action.SetSynchronousStandbys(List.of("node2"), 1)), syncActions(d));
  }

  @Test
  void withoutKnowingSsnNothingChangesAndNobodyIsAdded() {
    Decision kept = primary(syncCluster().sync("node1", "node2"), primaryAt(1500).standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(), syncActions(kept), "SSN is Primus's to change, and it did not");
    Decision notAdded = primary(syncCluster().sync("node1"), primaryAt(1500).standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(), syncActions(notAdded), "nobody is confirmed without knowing what commits wait for");
  }

  // ---- strict ----------------------------------------------------------------------------------

  @Test
  void strictModeKeepsWaitingForTheNamedStandbyWhenNoneStreams() {
    Decision d = primary(syncCluster().set("synchronous_mode_strict", true).sync("node1", "node2"),
        primaryAt(1500).ssn(1200, "node2")).decide();
    assertEquals(List.of(), syncActions(d), "node2 keeps every acknowledged commit and stays promotable");
    assertEquals(Reason.SYNC_STANDBY_MISSING, d.reason());
  }

  @Test
  void strictModeWithNobodyNamedWaitsForAnyStandby() {
    Decision d = primary(syncCluster().set("synchronous_mode_strict", true).sync("node1"), primaryAt(1500).ssn(1500)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("*"), 1)), syncActions(d));
    assertTrue(d.message().contains("synchronous_mode_strict"), d.message());
  }

  @Test
  void theWildcardNamesNobodyAndGivesWayToARealStandby() {
    Decision d = primary(syncCluster().set("synchronous_mode_strict", true).sync("node1"),
        primaryAt(1500).ssn(1000, "*").standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(new Action.SetSynchronousStandbys(List.of("node2"), 1)), syncActions(d));
  }

  // ---- off and quorum --------------------------------------------------------------------------

  @Test
  void turningSynchronousModeOffDeletesTheKeyThenGivesSsnBack() {
    Decision d = primary(syncCluster().set("synchronous_mode", false).sync("node1", "node2"),
        primaryAt(1500).ssn(1200, "node2").standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(new Action.DeleteSyncState(SYNC_VERSION), new Action.ClearSynchronousStandbys()), syncActions(d));
  }

  @Test
  void synchronousModeOffLeavesTheUsersSsnAlone() {
    SynchronousStandbys user = new SynchronousStandbys(List.of("node2"), 1, false, false, 1000);
    Decision d = primary(cluster().leader("node1").members(member("node1").primary(), member("node2")),
        primaryAt(1000).userSsn(user).standby("node2", "sync", 1000)).decide();
    assertEquals(List.of(), syncActions(d));
  }

  @Test
  void quorumModeIsRefusedAndSaysSoNamingTheSetting() {
    Decision d = primary(syncCluster().set("synchronous_mode", "quorum").sync("node1", "node2"),
        primaryAt(1500).ssn(1200, "node2").standby("node2", "sync", 1500)).decide();
    assertEquals(List.of(), syncActions(d), "neither the key nor SSN is touched");
    assertEquals(Reason.SYNC_QUORUM_UNSUPPORTED, d.reason());
    assertTrue(d.message().contains("synchronous_mode: quorum is not supported"), d.message());
  }

  @Test
  void quorumModeIsAlsoReportedByReplicas() {
    Decision d = node("node2").in(syncCluster().set("synchronous_mode", "quorum"))
        .with(runningReplica().wal(1000).upstream("node1")).decide();
    assertEquals(Reason.SYNC_QUORUM_UNSUPPORTED, d.reason());
  }

  // ---- promotion -------------------------------------------------------------------------------

  /** node1 (the leader) is gone; node2 is the synchronous standby. */
  private static Scenario syncStandbyAfterLeaderLoss(ClusterBuilder c) {
    return node("node2").in(c.members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000).upstream("node1")).peer("node3", replicaAnswer(1000));
  }

  @Test
  void theSyncStandbyWritesTheKeyForItselfBeforeItPromotes() {
    Decision d = syncStandbyAfterLeaderLoss(cluster().set("synchronous_mode", true).optime(1000).sync("node1", "node2"))
        .decide();
    assertEquals(Reason.PROMOTING, d.reason());
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.FenceFormerPrimary.class,
        Action.WriteSyncState.class, Action.SetSynchronousStandbys.class, Action.Promote.class, Action.TouchMember.class),
        kinds(d));
    assertEquals(new Action.WriteSyncState(state("node2"), Optional.of(SYNC_VERSION)), only(d, Action.WriteSyncState.class));
    assertEquals(new Action.SetSynchronousStandbys(List.of(), 0), only(d, Action.SetSynchronousStandbys.class));
  }

  @Test
  void inStrictModeThePromotedStandbyAcknowledgesNothingBeforeAStandbyHasIt() {
    Decision d = syncStandbyAfterLeaderLoss(cluster().set("synchronous_mode", true).set("synchronous_mode_strict", true)
        .optime(1000).sync("node1", "node2")).decide();
    assertEquals(new Action.SetSynchronousStandbys(List.of("*"), 1), only(d, Action.SetSynchronousStandbys.class));
  }

  @Test
  void withSynchronousModeOffAPromotionGivesAManagedSsnBackFirst() {
    Decision d = node("node2").in(cluster().optime(1000).members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000).upstream("node1").ssn(0, "node3")).peer("node3", replicaAnswer(1000)).decide();
    assertEquals(List.of(Action.AcquireLeaderLock.class, Action.ActivateWatchdog.class, Action.FenceFormerPrimary.class,
        Action.ClearSynchronousStandbys.class, Action.Promote.class, Action.TouchMember.class), kinds(d));
  }

  @Test
  void aStandbyNotInTheKeyDoesNotRace() {
    Decision d = node("node3").in(cluster().set("synchronous_mode", true).optime(1000).sync("node1", "node2")
        .members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000).upstream("node1")).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
    assertFalse(d.has(Action.AcquireLeaderLock.class));
  }

  @Test
  void aKeyNamingNoStandbyLetsOnlyItsLeaderRace() {
    Decision d = syncStandbyAfterLeaderLoss(cluster().set("synchronous_mode", true).optime(1000).sync("node1")).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
  }

  @Test
  void aFailoverToAnAsyncStandbyIsRefusedEvenWithoutALeader() {
    // Patroni honours it (patronictl asks to confirm); Primus keeps acknowledged commits instead. An
    // operator who accepts the loss turns synchronous_mode off first.
    Decision d = node("node3").in(cluster().set("synchronous_mode", true).optime(1000).sync("node1", "node2")
        .members(member("node2").wal(1000), member("node3").wal(1000)).switchover(null, "node3"))
        .with(runningReplica().wal(1000).upstream("node1")).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
  }

  @Test
  void theSyncStandbyDoesNotWaitForAnAsyncFailoverCandidate() {
    Decision d = syncStandbyAfterLeaderLoss(cluster().set("synchronous_mode", true).optime(1000).sync("node1", "node2")
        .switchover(null, "node3")).decide();
    assertEquals(Reason.PROMOTING, d.reason(), "node3 refuses to race, so waiting for it would last forever");
  }

  @Test
  void aPausedFailoverToAnAsyncStandbyIsRefused() {
    Decision d = node("node3").in(cluster().set("synchronous_mode", true).paused().optime(1000).sync("node1", "node2")
        .members(member("node2").wal(1000), member("node3").wal(1000)).switchover(null, "node3"))
        .with(runningReplica().wal(1000).upstream("node1")).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
    assertFalse(d.has(Action.Promote.class));
  }

  @Test
  void aReplicaHoldingTheLockThatTheKeyDoesNotAllowGivesItBack() {
    Decision d = node("node3").in(cluster().set("synchronous_mode", true).optime(1000).leader("node3").sync("node1", "node2")
        .members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000)).lockUpdatedAt(T0.minusSeconds(1)).decide();
    assertEquals(Reason.NOT_SYNC_STANDBY, d.reason());
    assertTrue(d.has(Action.ReleaseLeaderLock.class));
    assertFalse(d.has(Action.Promote.class));
  }

  @Test
  void aReplicaThatWonTheLockWritesTheKeyBeforeItsPromotion() {
    Decision d = node("node2").in(cluster().set("synchronous_mode", true).optime(1000).leader("node2").sync("node1", "node2")
        .members(member("node2").wal(1000), member("node3").wal(1000)))
        .with(runningReplica().wal(1000)).lockUpdatedAt(T0.minusSeconds(1)).decide();
    List<Class<?>> kinds = kinds(d);
    assertTrue(kinds.indexOf(Action.WriteSyncState.class) < kinds.indexOf(Action.Promote.class), kinds.toString());
    assertTrue(kinds.indexOf(Action.RenewLeaderLock.class) < kinds.indexOf(Action.WriteSyncState.class), kinds.toString());
  }

  @Test
  void aSwitchoverToAnAsyncStandbyIsClearedByTheLeader() {
    Decision d = primary(syncCluster().sync("node1", "node2").switchover("node1", "node3"),
        primaryAt(1000).ssn(1000, "node2").standby("node2", "sync", 1000).standby("node3", "async", 1000)).decide();
    assertEquals(Reason.SWITCHOVER_NOT_POSSIBLE, d.reason());
    assertFalse(d.has(Action.Demote.class));
  }

  @Test
  void aSwitchoverToTheSyncStandbyDemotesWithoutTouchingSync() {
    Decision d = primary(syncCluster().sync("node1", "node2").switchover("node1", "node2"),
        primaryAt(1000).ssn(1000, "node2").standby("node2", "sync", 1000)).decide();
    assertEquals(Reason.SWITCHOVER_DEMOTING, d.reason());
    assertEquals(List.of(), syncActions(d));
  }
}
