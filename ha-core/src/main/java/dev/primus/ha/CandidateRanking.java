package dev.primus.ha;

import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.Versioned;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether this running replica is the healthiest member to take a free leader lock (Patroni's
 * {@code is_healthiest_node} and {@code manual_failover_process_no_leader}).
 *
 * <p>Local conditions first, so peers are asked only when they can change the answer: a recent
 * voluntary release, {@code nofailover}, synchronous mode, {@code maximum_lag_on_failover} against the
 * leader's last {@code status.optime}. A manual failover naming me wins here, even if I am not the most
 * advanced member (within the lag limit: a promotion never loses more than the operator allowed).
 * Otherwise {@code check_timeline}, then the peers' answers:
 * <ul>
 *   <li>a peer that runs as a primary (not in recovery): the primary is still alive, nobody races;
 *   <li>a named, healthy failover candidate: it takes over, I do not race;
 *   <li>a peer further ahead, or as far ahead with a higher {@code failover_priority}: it races, not me.
 * </ul>
 * Only peers that could race themselves can outrank me (they answered, run, may fail over, have a
 * usable watchdog, are within the lag limit and allowed by synchronous mode); otherwise everybody might
 * defer to a member that never takes the lock. Positions, mine and theirs, in the lag rule and in the
 * ranking, count only as far as they are the cluster's WAL ({@link Divergence#sharedPosition}): a former
 * primary that kept writing after the cluster switched timelines has extra WAL on an abandoned branch,
 * which neither makes it more advanced nor less behind (Patroni compares raw LSNs).
 */
final class CandidateRanking {
  private CandidateRanking() {}

  /** The outcome of the ranking. */
  sealed interface Verdict {
    /** Take the lock. */
    record Race() implements Verdict {}

    /** Ask these members first, then decide again with their answers. */
    record AskPeers(List<String> members) implements Verdict {}

    /** Do not race, because of {@code reason} (about {@code about}, e.g. the candidate). */
    record Stay(Reason reason, Optional<String> about) implements Verdict {
      Stay(Reason reason) {
        this(reason, Optional.empty());
      }
    }
  }

  static Verdict evaluate(Cycle c) {
    Optional<Verdict> obstacle = localObstacle(c);
    if (obstacle.isPresent()) {
      return obstacle.get();
    }
    Optional<Versioned<FailoverRequest>> request = ManualFailover.forRace(c);
    Optional<String> candidate = request.flatMap(r -> r.value().candidate());
    Optional<String> oldLeader = request.flatMap(r -> r.value().leader());
    if (candidate.filter(c.me::equals).isPresent()) {
      return new Verdict.Race();
    }
    if (c.dcs().checkTimeline() && (c.local.timeline().isEmpty() || c.myTimeline() < c.clusterTimeline())) {
      return new Verdict.Stay(Reason.TIMELINE_BEHIND);
    }

    // The old leader of a switchover stepped down on purpose; its answer (a stopped former primary)
    // must not count as "the primary is still alive", nor may it rank.
    Set<String> exclude = new HashSet<>();
    exclude.add(c.me);
    oldLeader.filter(l -> !l.equals(c.me)).ifPresent(exclude::add);

    List<String> registered = c.cluster.members().stream()
        .filter(m -> !exclude.contains(m.name()))
        .filter(m -> !m.status().apiUrl().isBlank())
        .map(Member::name)
        .toList();
    // With failsafe_mode the members of the failsafe key are asked too (Patroni's all_known_members): a
    // primary running on failsafe without the DCS has no member key, but answers that it is alive.
    java.util.LinkedHashSet<String> asked = new java.util.LinkedHashSet<>(registered);
    Failsafe.listedPeers(c).stream().filter(n -> !exclude.contains(n)).forEach(asked::add);
    List<String> askable = List.copyOf(asked);
    if (!askable.isEmpty() && c.obs.peers().isEmpty()) {
      return new Verdict.AskPeers(askable);
    }
    return fromAnswers(c, answers(c, exclude), candidate, oldLeader.filter(c.me::equals).isPresent());
  }

  /** What keeps me out of the race whatever the peers say. */
  private static Optional<Verdict> localObstacle(Cycle c) {
    boolean declinedRecently = c.memory.leadershipDeclinedAt().map(t -> c.now.isBefore(t.plus(c.ttl()))).orElse(false);
    if (declinedRecently) {
      return Optional.of(new Verdict.Stay(Reason.LEADERSHIP_BACKOFF));
    }
    if (!c.canFailover()) {
      return Optional.of(new Verdict.Stay(Reason.NOFAILOVER));
    }
    if (!c.syncAllows(c.me)) {
      return Optional.of(new Verdict.Stay(Reason.NOT_SYNC_STANDBY));
    }
    if (c.lagTooHigh()) {
      return Optional.of(new Verdict.Stay(Reason.LAGGING));
    }
    if (Divergence.onUnrankableBranch(c)) {
      // My own history says my timeline is another branch than the cluster's, and not where it left it.
      return Optional.of(new Verdict.Stay(Reason.DIVERGED_WAITING));
    }
    return Optional.empty();
  }

  /** The peers that answered, except those excluded, by name. */
  private static Map<String, PeerStatus> answers(Cycle c, Set<String> exclude) {
    Map<String, PeerStatus> answers = new TreeMap<>();
    c.obs.peers().forEach((name, answer) -> {
      if (!exclude.contains(name) && answer instanceof PeerAnswer.Answered a) {
        answers.put(name, a.status());
      }
    });
    return answers;
  }

  private static Verdict fromAnswers(Cycle c, Map<String, PeerStatus> answers, Optional<String> candidate,
      boolean iAmTheOldLeader) {
    if (answers.values().stream().anyMatch(p -> !p.inRecovery())) {
      return new Verdict.Stay(Reason.PRIMARY_STILL_ALIVE);
    }
    if (candidate.isPresent() && candidateCanTakeOver(c, candidate.get(), answers.get(candidate.get()))) {
      return new Verdict.Stay(Reason.DEFER_TO_CANDIDATE, candidate);
    }
    if (iAmTheOldLeader) {
      // I stepped down for a switchover that nobody completed: take the lock back only if no one else can.
      boolean someoneElse = answers.entrySet().stream().anyMatch(e -> eligible(c, e.getKey(), e.getValue()));
      return someoneElse ? new Verdict.Stay(Reason.NOT_HEALTHIEST) : new Verdict.Race();
    }
    long myPosition = Divergence.sharedPosition(c);
    int myPriority = c.config.tags().failoverPriority();
    for (Map.Entry<String, PeerStatus> e : answers.entrySet()) {
      PeerStatus p = e.getValue();
      if (!eligible(c, e.getKey(), p)) {
        continue;
      }
      long theirs = shared(c, p);
      if (theirs > myPosition || (theirs == myPosition && p.failoverPriority() > myPriority)) {
        return new Verdict.Stay(Reason.NOT_HEALTHIEST);
      }
    }
    return new Verdict.Race();
  }

  /** A peer's position, counted only as far as it is the cluster's WAL. */
  private static long shared(Cycle c, PeerStatus p) {
    return Divergence.sharedPosition(c, p.timeline(), p.walPosition());
  }

  /**
   * A peer that may outrank me: it could race itself (in recovery, may fail over, watchdog usable, runs,
   * within the lag limit, allowed by synchronous mode). A peer that cannot race must not keep me from it,
   * or nobody would take the lock.
   */
  private static boolean eligible(Cycle c, String name, PeerStatus p) {
    return mayLead(p) && p.walPosition() > 0 && c.syncAllows(name) && !Failsafe.keptOutOfRace(c, name)
        && !Failsafe.askedOnlyAsListed(c, name)
        && !aheadOfTheCluster(c, p)
        && c.cluster.status().optime() - shared(c, p) <= c.dcs().maximumLagOnFailover();
  }

  /**
   * Whether the named candidate will take the lock itself, so that everybody else must leave it alone:
   * it answered, runs (a server that is down reports no WAL position), may fail over, and passes the
   * same lag rule it applies to itself. Anything less and waiting for it could last forever; the race
   * goes on without it.
   */
  private static boolean candidateCanTakeOver(Cycle c, String candidate, PeerStatus p) {
    if (p == null || !mayLead(p) || p.walPosition() <= 0 || aheadOfTheCluster(c, p) || !c.syncAllows(candidate)
        || Failsafe.keptOutOfRace(c, candidate)) {
      // A candidate the failsafe key leaves out does not race either (Primus checks the key before the
      // manual failover, where Patroni lets a named candidate through: a primary may still run on failsafe).
      // A candidate synchronous mode does not allow refuses to race, so waiting for it would last forever.
      return false;
    }
    if (c.cluster.status().optime() - shared(c, p) > c.dcs().maximumLagOnFailover()) {
      return false;
    }
    return c.member(candidate).map(m -> m.status().state() == MemberState.RUNNING).orElse(true);
  }

  /**
   * A peer on a later timeline than the cluster's history knows, with no leader to say otherwise: a
   * branch the cluster never had (a promotion whose history was never written, or one the history has
   * since replaced), and the cluster's last primary got further than it is. Its own history shows it
   * left the cluster's line, so it does not race
   * ({@link Divergence#onOtherBranch}); nor may its raw position, not comparable with the cluster's,
   * keep me from racing.
   */
  private static boolean aheadOfTheCluster(Cycle c, PeerStatus p) {
    return c.otherLeader().isEmpty() && p.timeline() > c.clusterTimeline()
        && c.cluster.history().currentTimeline() == c.clusterTimeline()
        && c.cluster.status().optime() > p.walPosition();
  }

  /** A peer that could take the lock: in recovery, allowed to fail over, watchdog usable. */
  private static boolean mayLead(PeerStatus p) {
    return p.inRecovery() && !p.noFailover() && p.failoverPriority() > 0 && !p.watchdogFailed();
  }
}
