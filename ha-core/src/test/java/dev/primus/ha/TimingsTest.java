package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimingsTest {

  @Test
  void ruleHoldsAtTheBoundary() {
    Timings t = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
    assertEquals(Duration.ofSeconds(30), t.ttl());
  }

  @Test
  void timingsThatBreakTheRuleAreAcceptedAndBoundedForTheAgent() {
    Timings t = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(10));
    assertFalse(t.followsRule());
    Timings e = t.inEffect();
    assertEquals(new Timings(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMillis(2500)), e,
        "the lock keeps its ttl; retry_timeout shrinks to (ttl - loop_wait) / 2");
    assertTrue(e.followsRule());
    String w = t.boundedWarning().orElseThrow();
    for (String part : new String[] {"ttl 10 s", "loop_wait 5 s", "retry_timeout 10 s",
        "loop_wait + 2*retry_timeout <= ttl", "in effect ttl 10 s, loop_wait 5 s, retry_timeout 2.5 s"}) {
      assertTrue(w.contains(part), part + " in: " + w);
    }
  }

  @Test
  void aLoopWaitLongerThanTheTtlIsCutToo() {
    Timings e = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(10)).inEffect();
    assertEquals(Duration.ofSeconds(1), e.retryTimeout(), "never below a second (ttl / 4 for tiny ttls)");
    assertEquals(Duration.ofSeconds(8), e.loopWait());
    assertTrue(e.followsRule());
    Timings tiny = new Timings(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)).inEffect();
    assertEquals(new Timings(Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofMillis(250)), tiny);
  }

  @Test
  void timingsThatFollowTheRuleAreInEffectUnchanged() {
    Timings t = new Timings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(10));
    assertSame(t, t.inEffect());
    assertTrue(t.boundedWarning().isEmpty());
  }

  @Test
  void nonPositiveTimingIsRejectedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Timings(Duration.ofSeconds(30), Duration.ZERO, Duration.ofSeconds(10)));
    assertTrue(e.getMessage().startsWith("loop_wait"), e.getMessage());
  }

  @Test
  void dcsConfigTimingsAreUsedWhenValid() {
    Scenario s = node("node1").in(cluster().timings(12, 2, 5));
    Timings t = HaEngine.effectiveTimings(s.observation().cluster(), s.config());
    assertEquals(Duration.ofSeconds(12), t.ttl());
    assertEquals(Duration.ofSeconds(2), t.loopWait());
  }

  @Test
  void bootstrapTimingsAreUsedUntilTheConfigKeyExists() {
    Scenario s = node("node1").in(cluster().noConfig()).bootstrapDcs(Map.of("ttl", 9, "loop_wait", 1, "retry_timeout", 4));
    assertEquals(Duration.ofSeconds(9), HaEngine.effectiveTimings(s.observation().cluster(), s.config()).ttl());
  }

  @Test
  void dcsTimingsThatBreakTheRuleAreAppliedWithTheAgentsDeadlinesBounded() {
    // patronictl edit-config wrote ttl 10, loop_wait 10, retry_timeout 10: Patroni applies them, so does Primus.
    Scenario s = node("node1")
        .in(cluster().leader("node1").timings(10, 10, 10))
        .bootstrapDcs(Map.of("ttl", 20, "loop_wait", 4, "retry_timeout", 8))
        .with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(2));
    Decision d = s.decide();
    assertEquals(Reason.LOCK_RENEWED, d.reason());
    assertTrue(d.has(Action.RenewLeaderLock.class), "still leads");
    Timings e = HaEngine.effectiveTimings(s.observation().cluster(), s.config());
    assertEquals(new Timings(Duration.ofSeconds(10), Duration.ofSeconds(8), Duration.ofSeconds(1)), e);
    assertEquals(Duration.ofSeconds(8), d.recheckAfter(), "cycles at the bounded loop_wait");
    assertTrue(HaEngine.timingsWarning(s.observation().cluster(), s.config()).orElseThrow().contains("retry_timeout 1 s"));
  }

  @Test
  void aPrimaryWhoseRenewalFailedStepsDownByTheTimingsInEffect() {
    // ttl 10, loop_wait 5, retry_timeout 10 are in effect as 10 / 5 / 2.5: the next renewal attempt comes
    // within 7.5 s, so a primary whose last renewal failed keeps going with 8 s left and stops with 7 s left.
    Scenario keeps = renewalFailed(T0.minusSeconds(2));
    assertTrue(keeps.decide().has(Action.RenewLeaderLock.class), keeps.decide().toString());
    Decision stops = renewalFailed(T0.minusSeconds(3)).decide();
    assertFalse(stops.has(Action.RenewLeaderLock.class), stops.toString());
    assertTrue(stops.has(Action.Demote.class), stops.toString());
  }

  private static Scenario renewalFailed(java.time.Instant lastRenewed) {
    AgentMemory m = AgentMemory.initial()
        .record(new Action.RenewLeaderLock(), new ActionOutcome.Succeeded(), lastRenewed)
        .record(new Action.RenewLeaderLock(), new ActionOutcome.DcsUnavailable("timeout"), T0.minusMillis(100));
    return node("node1").in(cluster().leader("node1").timings(10, 5, 10)).with(runningPrimary()).memory(m);
  }

  @Test
  void nonPositiveDcsTimingsFallBackToBootstrapThenPatroniDefaults() {
    Scenario s = node("node1").in(cluster().timings(0, 10, 10)).bootstrapDcs(Map.of("ttl", 25));
    assertEquals(Duration.ofSeconds(25), HaEngine.effectiveTimings(s.observation().cluster(), s.config()).ttl());
    Scenario d = node("node1").in(cluster().timings(0, 10, 10)).bootstrapDcs(Map.of("ttl", 0));
    assertEquals(Duration.ofSeconds(30), HaEngine.effectiveTimings(d.observation().cluster(), d.config()).ttl());
  }

  @Test
  void leaderValidityIsTtlAfterTheLastLockUpdate() {
    // Lock updated 29.999 s ago with ttl 30: still the leader; at 30 s it is not.
    Scenario valid = node("node1").in(cluster().leader("node1")).with(runningPrimary())
        .lockUpdatedAt(T0.minusMillis(29_999));
    assertEquals(Reason.LOCK_RENEWED, valid.decide().reason());
    Scenario expired = node("node1").in(cluster().leader("node1")).with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(30));
    assertEquals(Reason.LOCK_RENEWAL_FAILED, expired.decide().reason());
  }
}
