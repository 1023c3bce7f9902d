package dev.primus.ha;

import static dev.primus.ha.ClusterBuilder.cluster;
import static dev.primus.ha.LocalBuilder.runningPrimary;
import static dev.primus.ha.Scenario.T0;
import static dev.primus.ha.Scenario.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
  void ruleViolationNamesEveryKey() {
    Timings.TimingRuleViolation e = assertThrows(Timings.TimingRuleViolation.class,
        () -> new Timings(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(10)));
    assertTrue(e.getMessage().contains("loop_wait (10 s)"), e.getMessage());
    assertTrue(e.getMessage().contains("retry_timeout (10 s)"), e.getMessage());
    assertTrue(e.getMessage().contains("ttl (20 s)"), e.getMessage());
    assertTrue(e.getMessage().contains("loop_wait + 2 * retry_timeout <= ttl"), e.getMessage());
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
  void invalidDcsTimingsFallBackToBootstrapTimingsAndSaySo() {
    Scenario s = node("node1")
        .in(cluster().leader("node1").timings(10, 10, 10))
        .bootstrapDcs(Map.of("ttl", 20, "loop_wait", 4, "retry_timeout", 8))
        .with(runningPrimary())
        .lockUpdatedAt(T0.minusSeconds(4));
    Decision d = s.decide();
    assertEquals(Reason.INVALID_DCS_TIMINGS, d.reason());
    assertTrue(d.message().contains("loop_wait + 2*retry_timeout > ttl"), d.message());
    assertEquals(Duration.ofSeconds(4), d.recheckAfter(), "runs with bootstrap.dcs loop_wait");
    assertTrue(d.has(Action.RenewLeaderLock.class), "still leads safely");
    assertEquals(Duration.ofSeconds(20), HaEngine.effectiveTimings(s.observation().cluster(), s.config()).ttl());
  }

  @Test
  void invalidDcsAndBootstrapTimingsFallBackToPatroniDefaults() {
    Scenario s = node("node1").in(cluster().timings(10, 10, 10)).bootstrapDcs(Map.of("ttl", 5));
    assertEquals(Duration.ofSeconds(30), HaEngine.effectiveTimings(s.observation().cluster(), s.config()).ttl());
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
