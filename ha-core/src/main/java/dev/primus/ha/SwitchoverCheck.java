package dev.primus.ha;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Versioned;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a switchover or failover can be carried out on the cluster as it is: the one rule that the
 * agent's command API (and through it the REST API and {@code ctl}) applies before writing the
 * {@code failover} key, and that the leader applies again before it steps down ({@link ManualFailover}).
 *
 * <p>A request is refused when the leader it names does not hold the lock; when its candidate is not a
 * member, is the leader, or (with {@code synchronous_mode}) is not a synchronous standby; when no
 * candidate is named and the cluster is paused, or no member could take over. A member could take over
 * when its member key says it may ({@link FailoverCandidates}: no {@code nofailover}, an {@code api_url},
 * a running replica within {@code maximum_lag_on_failover}, on the cluster's timeline with
 * {@code check_timeline}, a synchronous standby in synchronous mode) and, when it was asked
 * ({@code GET /patroni}), its own answer agrees (in recovery, may fail over, watchdog usable).
 *
 * <p>Patroni lets a failover name an asynchronous standby in synchronous mode; Primus refuses it, because
 * the engine never promotes a standby that may lack acknowledged commits (turning synchronous_mode off
 * is how an operator accepts that loss).
 */
public final class SwitchoverCheck {
  private SwitchoverCheck() {}

  /**
   * The members whose own answer the check wants: the named candidate, or every member but the lock
   * holder.
   */
  public static List<String> membersToAsk(ClusterView cluster, SwitchoverRequest request) {
    Optional<String> holder = cluster.leader().map(LeaderLock::holder);
    return request.candidate().map(List::of).orElseGet(() -> cluster.members().stream()
        .map(Member::name)
        .filter(n -> !holder.map(n::equals).orElse(false))
        .toList());
  }

  /**
   * Why {@code request} cannot be carried out now, or empty if it can.
   *
   * @param cluster the cluster as just read
   * @param request the request
   * @param answers the answers of {@link #membersToAsk} to {@code GET /patroni}, by member; empty to judge
   *                by the member keys alone
   */
  public static Optional<String> refusal(ClusterView cluster, SwitchoverRequest request, Map<String, PeerAnswer> answers) {
    return refusal(cluster, request, answers, cluster.status().optime());
  }

  /** As {@link #refusal(ClusterView, SwitchoverRequest, Map)}, measuring lag against {@code referencePosition}. */
  static Optional<String> refusal(ClusterView cluster, SwitchoverRequest request, Map<String, PeerAnswer> answers,
      long referencePosition) {
    DynamicConfig dcs = cluster.config().map(Versioned::value).orElse(DynamicConfig.EMPTY);
    Optional<String> holder = cluster.leader().map(LeaderLock::holder);
    String noun = request.kind().noun();
    if (request.leader().isPresent() && !request.leader().equals(holder)) {
      return Optional.of("the leader is " + holder.map(h -> "'" + h + "'").orElse("nobody") + ", not '"
          + request.leader().get() + "'");
    }
    boolean syncRestricts = syncRestrictsPromotion(cluster, dcs);
    String leaderName = holder.orElse("");
    if (request.candidate().isPresent()) {
      String candidate = request.candidate().get();
      if (candidate.equals(leaderName)) {
        return Optional.of("the candidate '" + candidate + "' is the leader already");
      }
      Optional<Member> member = cluster.member(candidate);
      if (member.isEmpty()) {
        return Optional.of("there is no member named '" + candidate + "'");
      }
      if (!syncAllows(cluster, dcs, candidate)) {
        return Optional.of("candidate '" + candidate + "' is not a synchronous standby"
            + (request.kind() == SwitchoverRequest.Kind.SWITCHOVER ? "" : " (with synchronous_mode on only one is"
                + " promoted; turn synchronous_mode off to fail over to an asynchronous standby)"));
      }
      Optional<String> why = whyNot(cluster, dcs, leaderName, referencePosition, member.get(), answers);
      return why.map(w -> "candidate " + candidate + " cannot take over (" + w + ")");
    }
    if (cluster.paused()) {
      return Optional.of("while the cluster is paused a " + noun + " needs a candidate");
    }
    if (syncRestricts && cluster.members().stream().noneMatch(m -> !m.name().equals(leaderName)
        && syncAllows(cluster, dcs, m.name()))) {
      return Optional.of("there is no synchronous standby");
    }
    StringBuilder reasons = new StringBuilder();
    List<Member> others = cluster.members().stream().filter(m -> !m.name().equals(leaderName)).toList();
    if (others.isEmpty()) {
      return Optional.of("no member besides the leader");
    }
    for (Member m : others) {
      Optional<String> why = whyNot(cluster, dcs, leaderName, referencePosition, m, answers);
      if (why.isEmpty()) {
        return Optional.empty();
      }
      reasons.append(reasons.length() == 0 ? "" : "; ").append(m.name()).append(": ").append(why.get());
    }
    return Optional.of("no healthy candidate (" + reasons + ")");
  }

  private static Optional<String> whyNot(ClusterView cluster, DynamicConfig dcs, String leader, long reference, Member m,
      Map<String, PeerAnswer> answers) {
    Optional<String> byKey = FailoverCandidates.whyNot(cluster, dcs, leader, reference, m);
    if (byKey.isPresent() || answers.isEmpty()) {
      return byKey;
    }
    PeerAnswer a = answers.get(m.name());
    if (a instanceof PeerAnswer.NoAnswer n) {
      return Optional.of("it did not answer: " + n.reason());
    }
    if (a instanceof PeerAnswer.Answered ok) {
      PeerStatus p = ok.status();
      if (!p.inRecovery()) {
        return Optional.of("it answers that it runs as a primary");
      }
      if (p.noFailover() || p.failoverPriority() <= 0) {
        return Optional.of("it answers that it may not fail over");
      }
      if (p.watchdogFailed()) {
        return Optional.of("its watchdog failed");
      }
      return Optional.empty();
    }
    return Optional.of("it was not asked");
  }

  /** The configured {@code synchronous_mode}; an unreadable setting counts as the stricter {@code on}. */
  static SynchronousMode syncMode(DynamicConfig dcs) {
    try {
      return dcs.synchronousMode();
    } catch (IllegalArgumentException unreadable) {
      return SynchronousMode.ON;
    }
  }

  /** Synchronous replication restricts who may be promoted only while {@code sync} names a leader. */
  static boolean syncRestrictsPromotion(ClusterView cluster, DynamicConfig dcs) {
    return syncMode(dcs) != SynchronousMode.OFF && cluster.sync().map(s -> s.value().leader().isPresent()).orElse(false);
  }

  /** Whether {@code name} may be promoted as far as {@code sync} is concerned. */
  static boolean syncAllows(ClusterView cluster, DynamicConfig dcs, String name) {
    if (!syncRestrictsPromotion(cluster, dcs)) {
      return true;
    }
    var sync = cluster.sync().orElseThrow().value();
    return sync.isSyncStandby(name) || sync.leader().map(name::equals).orElse(false);
  }
}
