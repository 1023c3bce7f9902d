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

import dev.primus.dcs.model.TimelineHistory;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The new primary appends its promotion to {@code history}. */
class HistoryTest {

  /** node2's memory after it published its replica status at LSN 4200 on timeline 1 and got promoted. */
  private static AgentMemory promotedAt4200() {
    return promotedFrom(1, 4200);
  }

  /** node2's memory after it raced as a replica at {@code lsn} on {@code timeline} and got promoted. */
  private static AgentMemory promotedFrom(long timeline, long lsn) {
    Decision race = node("node2").in(cluster().members(member("node2")))
        .with(runningReplica().timeline(timeline).wal(lsn)).decide();
    AgentMemory m = AgentMemory.initial();
    for (Action a : race.actions()) {
      m = m.record(a, new ActionOutcome.Succeeded(), T0.minusSeconds(5));
    }
    return m;
  }

  private static Scenario newPrimary() {
    return node("node2").in(cluster().leader("node2").members(member("node2").primary().timeline(2)))
        .with(runningPrimary().timeline(2).wal(5000)).memory(promotedAt4200());
  }

  @Test
  void newPrimaryAppendsTheSwitchFromItsLastReplicaPosition() {
    Decision d = newPrimary().decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    assertEquals(1, written.entries().size());
    TimelineHistory.Entry e = written.entries().get(0);
    assertEquals(1, e.timeline());
    assertEquals(4200, e.switchLsn());
    assertEquals("no recovery target specified", e.reason());
    assertEquals(Optional.of("2024-05-01T12:00:00.000000+00:00"), e.timestamp());
    assertEquals(Optional.of("node2"), e.newLeader());
    assertEquals(2, written.currentTimeline());
  }

  @Test
  void existingEntriesAreKept() {
    Decision d = newPrimary().memory(promotedFrom(2, 8000))
        .in(cluster().leader("node2").history(1, 100).members(member("node2").primary()))
        .with(runningPrimary().timeline(3).wal(9000)).decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    assertEquals(2, written.entries().size());
    assertEquals(100, written.entries().get(0).switchLsn());
    assertEquals(2, written.entries().get(1).timeline());
    assertEquals(8000, written.entries().get(1).switchLsn());
  }

  @Test
  void withoutAnyTraceOfTheSwitchTheSafeLowValueIsWritten() {
    Decision d = node("node2").in(cluster().leader("node2").history(1, 100).members(member("node2").primary()))
        .with(runningPrimary().timeline(3).wal(9000)).lockUpdatedAt(T0.minusSeconds(1)).decide();
    TimelineHistory.Entry e = only(d, Action.WriteHistory.class).history().entries().get(1);
    assertEquals(2, e.timeline());
    assertEquals(0, e.switchLsn());
  }

  @Test
  void aTimelineThatSkippedNumbersIsRecordedFromWhereItReallyCame() {
    // Promoted from timeline 4 straight to 7 (the server picked the next free number).
    Decision d = newPrimary().memory(promotedFrom(4, 6000))
        .in(cluster().leader("node2").history(1, 100, 2, 200, 3, 300).members(member("node2").primary()))
        .with(runningPrimary().timeline(7).wal(9000)).decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    TimelineHistory.Entry last = written.entries().get(written.entries().size() - 1);
    assertEquals(4, last.timeline());
    assertEquals(6000, last.switchLsn());
  }

  @Test
  void restartedAgentTakesTheSwitchFromItsOwnMemberKey() {
    Decision d = node("node2").in(cluster().leader("node2").members(member("node2").timeline(1).wal(4100)))
        .with(runningPrimary().timeline(2).wal(5000)).lockUpdatedAt(T0.minusSeconds(2)).decide();
    assertEquals(4100, only(d, Action.WriteHistory.class).history().entries().get(0).switchLsn());
  }

  @Test
  void noHistoryIsWrittenOnceItIsCurrent() {
    Decision d = newPrimary().in(cluster().leader("node2").history(1, 4200).members(member("node2").primary())).decide();
    assertFalse(d.has(Action.WriteHistory.class));
  }

  @Test
  void noHistoryIsWrittenOnTheFirstTimeline() {
    Decision d = node("node1").in(cluster().leader("node1")).with(runningPrimary().timeline(1)).decide();
    assertFalse(d.has(Action.WriteHistory.class));
  }

  @Test
  void leaderPromotedFromAnOlderTimelineReplacesTheOtherBranchesEntries() {
    // History from another branch says timelines 5 and 6 ended; this leader went from 5 to its own 6.
    Decision d = node("node2").in(cluster().leader("node2").history(4, 40, 5, 50, 6, 60).members(member("node2").primary()))
        .with(runningPrimary().timeline(6).wal(9000)).lockUpdatedAt(T0.minusSeconds(1)).decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    assertEquals(2, written.entries().size());
    assertEquals(4, written.entries().get(0).timeline());
    assertEquals(5, written.entries().get(1).timeline());
    assertEquals(6, written.currentTimeline());
  }

  @Test
  void leaderCorrectsTheEntryOfAnotherBranchWithTheSameTimelineNumber() {
    Decision d = newPrimary().in(cluster().leader("node2").historyEntry(1, 3000, "node9").members(member("node2").primary()))
        .decide();
    TimelineHistory.Entry e = only(d, Action.WriteHistory.class).history().entries().get(0);
    assertEquals(4200, e.switchLsn());
    assertEquals(Optional.of("node2"), e.newLeader());
  }

  @Test
  void leaderLeavesItsOwnEntryAlone() {
    Decision d = newPrimary().in(cluster().leader("node2").historyEntry(1, 4200, "node2").members(member("node2").primary()))
        .decide();
    assertFalse(d.has(Action.WriteHistory.class));
  }

  @Test
  void maxTimelinesHistoryTrimsTheOldestEntries() {
    Decision d = newPrimary().memory(promotedFrom(4, 8000)).in(cluster().leader("node2").set("max_timelines_history", 2).history(1, 10, 2, 20, 3, 30)
        .members(member("node2").primary())).with(runningPrimary().timeline(5).wal(9000)).decide();
    TimelineHistory written = only(d, Action.WriteHistory.class).history();
    assertEquals(2, written.entries().size());
    assertEquals(3, written.entries().get(0).timeline());
    assertEquals(4, written.entries().get(1).timeline());
  }
}
