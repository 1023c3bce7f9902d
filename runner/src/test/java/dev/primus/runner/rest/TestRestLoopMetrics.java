package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.LoopTimes;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /metrics} adds the HA loop's cycle histograms after Patroni's metrics when the source has a
 * loop: Prometheus histograms with the same labels, and their maxima as gauges.
 */
class TestRestLoopMetrics {
  private final RestServers servers = new RestServers();

  @AfterEach
  void stop() {
    servers.close();
  }

  /** The fake status, with a loop that took 3 ms and 300 ms, the second one 700 ms late. */
  private static final class WithLoop implements NodeStatusSource {
    private final FakeStatusForRestTests status = new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED));
    private final LoopTimes times = new LoopTimes();

    WithLoop() {
      times.record(Duration.ofMillis(3), Duration.ZERO);
      times.record(Duration.ofMillis(300), Duration.ofMillis(700));
    }

    @Override
    public NodeStatus current() {
      return status.current();
    }

    @Override
    public Optional<LoopTimes.Snapshot> loopTimes() {
      return Optional.of(times.snapshot());
    }
  }

  @Test
  void theLoopsCyclesAreAHistogramWithTheMembersLabels() throws Exception {
    RestClient c = servers.start(RestServers.plain(), TestNodes.LEADER_ID, new WithLoop(),
        new FakeCommandsForRestTests(TestNodes.cluster()));
    String body = c.get("/metrics").body();
    String labels = "scope=\"demo\",name=\"node2\"";
    for (String line : new String[] {
        "# TYPE primus_loop_cycle_seconds histogram",
        "primus_loop_cycle_seconds_bucket{" + labels + ",le=\"0.005\"} 1",
        "primus_loop_cycle_seconds_bucket{" + labels + ",le=\"0.25\"} 1",
        "primus_loop_cycle_seconds_bucket{" + labels + ",le=\"0.5\"} 2",
        "primus_loop_cycle_seconds_bucket{" + labels + ",le=\"+Inf\"} 2",
        "primus_loop_cycle_seconds_sum{" + labels + "} 0.303",
        "primus_loop_cycle_seconds_count{" + labels + "} 2",
        "primus_loop_cycle_seconds_max{" + labels + "} 0.3",
        "# TYPE primus_loop_cycle_delay_seconds histogram",
        "primus_loop_cycle_delay_seconds_bucket{" + labels + ",le=\"0.5\"} 1",
        "primus_loop_cycle_delay_seconds_bucket{" + labels + ",le=\"1.0\"} 2",
        "primus_loop_cycle_delay_seconds_max{" + labels + "} 0.7"}) {
      assertTrue(body.lines().anyMatch(line::equals), () -> "no line '" + line + "' in\n" + body);
    }
    assertTrue(body.indexOf("patroni_postgres_state") < body.indexOf("primus_loop_cycle_seconds"),
        "Patroni's metrics first");
  }

  @Test
  void aSourceWithoutALoopHasNoLoopMetrics() throws Exception {
    RestClient c = servers.start(RestServers.plain(), TestNodes.LEADER_ID,
        new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED)), new FakeCommandsForRestTests(TestNodes.cluster()));
    assertFalse(c.get("/metrics").body().contains("primus_loop"));
  }
}
