package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one cycle looks at.
 *
 * @param cluster    the DCS as last read; {@code cluster.connection()} says whether it is current
 * @param local      the local database
 * @param inProgress the long action the executor is running, if any
 * @param peers      answers to the last {@link Action.QueryPeers}, by member name; empty when not asked
 *                   this cycle
 * @param failsafeAnswers the answers to the last {@link Action.AskFailsafe}, when the last decision asked
 * @param failsafeReceived the last {@code POST /failsafe} this member accepted, if any (however old: the
 *                   engine judges its age)
 * @param requests   the operators' requests the agent has not answered yet, oldest first
 */
public record Observation(
    ClusterView cluster, LocalState local, Optional<InProgress> inProgress, Map<String, PeerAnswer> peers,
    Optional<FailsafeAnswers> failsafeAnswers, Optional<FailsafeNotice> failsafeReceived,
    List<OperatorRequest> requests) {

  public Observation {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(inProgress, "inProgress");
    peers = Map.copyOf(peers);
    Objects.requireNonNull(failsafeAnswers, "failsafeAnswers");
    Objects.requireNonNull(failsafeReceived, "failsafeReceived");
    requests = List.copyOf(requests);
  }

  /** An observation without operator requests. */
  public Observation(
      ClusterView cluster, LocalState local, Optional<InProgress> inProgress, Map<String, PeerAnswer> peers,
      Optional<FailsafeAnswers> failsafeAnswers, Optional<FailsafeNotice> failsafeReceived) {
    this(cluster, local, inProgress, peers, failsafeAnswers, failsafeReceived, List.of());
  }

  /** An observation with nothing from failsafe mode and no operator requests. */
  public Observation(
      ClusterView cluster, LocalState local, Optional<InProgress> inProgress, Map<String, PeerAnswer> peers) {
    this(cluster, local, inProgress, peers, Optional.empty(), Optional.empty(), List.of());
  }
}
