package dev.primus.agent.sim;

import dev.primus.agent.PeerClient;
import dev.primus.dcs.model.ClusterView;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.PeerAnswer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The peers as a simulated node's agent asks them: answered from the other nodes' real state
 * ({@link SimCluster#queryPeers}, {@link SimCluster#askFailsafe}) at the moment of asking, delivered after
 * Patroni's 2 s timeout if some peer did not answer, else after a round trip.
 */
final class SimPeers implements PeerClient {
  /** Round trip of a peer query that every peer answers. */
  static final Duration ROUND_TRIP = Duration.ofMillis(5);

  private final SimNode node;
  private final SimCluster world;

  SimPeers(SimNode node, SimCluster world) {
    this.node = node;
    this.world = world;
  }

  @Override
  public CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members) {
    Map<String, PeerAnswer> answers = world.queryPeers(node, members);
    boolean silent = answers.values().stream().anyMatch(x -> x instanceof PeerAnswer.NoAnswer);
    world.trace(node.name(), "peers answered " + answers);
    return later(silent ? TIMEOUT : ROUND_TRIP, answers);
  }

  @Override
  public CompletionStage<Map<String, FailsafeAnswer>> askFailsafe(Map<String, String> members, FailsafeRequest request) {
    Map<String, FailsafeAnswer> answers = world.askFailsafe(node, members);
    boolean silent = answers.values().stream()
        .anyMatch(x -> x instanceof FailsafeAnswer.Refused r && r.reason().equals("timed out"));
    world.trace(node.name(), "failsafe answers " + answers);
    return later(silent ? TIMEOUT : ROUND_TRIP, answers);
  }

  private <T> CompletionStage<T> later(Duration d, T value) {
    CompletableFuture<T> f = new CompletableFuture<>();
    world.scheduler().after(d, node.name() + " peer answers", () -> f.complete(value));
    return f;
  }
}
