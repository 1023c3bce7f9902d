package dev.primus.ha;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Patroni's {@code failsafe_mode}: a primary that loses the DCS keeps running if every other member of
 * the {@code failsafe} key agrees, and a member that agreed stays out of the leader race for a ttl.
 *
 * <p>Why it is safe: a member that accepted a {@code POST /failsafe} does not race until ttl after it
 * received it, a member missing from {@code failsafe} never races while the key names others, and the
 * primary asks again every cycle and steps down the first time one member does not accept. A running
 * primary never accepts (it answers 500), so two primaries cannot keep each other up.
 *
 * <p>Where Primus is stricter than Patroni (which asks whenever its database runs as a primary): only a
 * primary that the last view named as the lock holder, that has not learned it lost the lock, and that is
 * not in the middle of a promotion or a stop takes this path; a key that lists it alone keeps it up only
 * while its last view holds no other member key (a one-member cluster); any other primary demotes as
 * before.
 */
final class Failsafe {
  private Failsafe() {}

  /** Failsafe mode is on in the effective dynamic config (the last one read, when the DCS is gone). */
  static boolean on(Cycle c) {
    return c.dcs().failsafeMode();
  }

  /**
   * The DCS is unreachable and I run as the primary: ask the other members of {@code failsafe}, or keep
   * the role if they all accepted. Empty means: no failsafe, demote as without it.
   */
  static Optional<Plan> whileDcsUnreachable(Cycle c) {
    if (!on(c) || !c.local.isRunningPrimary() || c.inProgress(Action.Promote.class) || !c.viewNamesMe()
        || c.lockLostRecently()) {
      return Optional.empty();
    }
    Optional<Map<String, String>> topology = c.cluster.failsafe();
    if (topology.isEmpty() || !topology.get().containsKey(c.me)) {
      // Nobody has agreed to anything about me: without the key (or not in it) there is no failsafe.
      return Optional.empty();
    }
    Map<String, String> others = new TreeMap<>(topology.get());
    others.remove(c.me);
    if (others.isEmpty()) {
      // Patroni keeps a primary that the key lists alone running. Primus does so only while its last view
      // proves the key current: no member key but its own. A key listing the primary alone beside other
      // member keys is stale (written before they joined; they race once the lock expires, the simulator
      // found exactly that), so that primary demotes as without failsafe.
      boolean alone = c.cluster.members().stream().allMatch(m -> m.name().equals(c.me));
      return alone ? Optional.of(keep(c, c.now)) : Optional.empty();
    }
    Optional<FailsafeAnswers> answers = c.obs.failsafeAnswers();
    if (answers.isEmpty() || !c.now.isBefore(answers.get().askedAt().plus(c.ttl()))) {
      return Optional.of(Plan.because(Reason.FAILSAFE_ASKING)
          .then(new Action.AskFailsafe(others, c.local.walPosition()))
          .recheckAfter(Duration.ZERO));
    }
    boolean all = others.keySet().stream()
        .allMatch(m -> answers.get().answers().get(m) instanceof FailsafeAnswer.Accepted);
    return all ? Optional.of(keep(c, answers.get().askedAt())) : Optional.empty();
  }

  private static Plan keep(Cycle c, java.time.Instant since) {
    Plan plan = Plan.because(Reason.FAILSAFE_LEADING).then(new Action.KeepLeadingInFailsafe(since));
    Watchdog.afterLockUpdate(c).ifPresent(plan::then);
    return plan.about(c.me);
  }

  /**
   * Nobody holds the lock and my database runs as a replica: a member that accepted a failsafe request
   * less than ttl ago does not race (Patroni treats the sender as the leader, which a replica already
   * following it just keeps doing); nor does one missing from the {@code failsafe} key while a member
   * the key lists is still registered (that one may have been asked; it races instead).
   */
  static Optional<Plan> beforeRace(Cycle c) {
    if (!on(c)) {
      return Optional.empty();
    }
    Optional<FailsafeNotice> notice = c.obs.failsafeReceived()
        .filter(n -> !n.leader().equals(c.me))
        .filter(n -> c.now.isBefore(n.receivedAt().plus(c.ttl())));
    if (notice.isPresent()) {
      return Optional.of(Plan.because(Reason.FAILSAFE_LEADER_ALIVE).about(notice.get().leader()).recheckAfter(c.soon()));
    }
    if (keptOutOfRace(c, c.me)) {
      if (loneListed(c).isPresent() && c.obs.peers().isEmpty()) {
        // Only the lone member's answer can let me in: the race asks it with everyone else.
        return Optional.empty();
      }
      return Optional.of(Plan.because(Reason.NOT_IN_FAILSAFE).recheckAfter(c.soon()));
    }
    return Optional.empty();
  }

  /**
   * The member a {@code failsafe} key lists alone, when failsafe mode is on: the primary of a one-member
   * cluster, which keeps running without the DCS for as long as it likes.
   */
  static Optional<String> loneListed(Cycle c) {
    if (!on(c)) {
      return Optional.empty();
    }
    Map<String, String> topology = c.cluster.failsafe().orElse(Map.of());
    return topology.size() == 1 ? Optional.of(topology.keySet().iterator().next()) : Optional.empty();
  }

  /** The lone listed member answered this race's query, and it runs in recovery: it leads nothing. */
  private static boolean answeredAsReplica(Cycle c, String lone) {
    return c.obs.peers().get(lone) instanceof PeerAnswer.Answered a && a.status().inRecovery();
  }

  /**
   * Whether {@code member} may not race because the {@code failsafe} key leaves it out: a primary without
   * the DCS asked only the members listed there. Patroni keeps every unlisted member out of a non-empty
   * key's race. Primus does so for a key listing one member unless that member answered the race as a
   * replica (it may be a one-member cluster's primary on failsafe); for a longer key, only while some
   * listed member (other than the one asking) still has its member key
   * and reports a running server that may fail over, so that one of them can race (and then rewrites the key): a key naming only members long gone cannot
   * keep the cluster without a leader for good. Nor may such a member outrank a listed one in the race
   * ({@link CandidateRanking}), or the listed ones would defer to a member that never races (the simulator
   * found both).
   */
  static boolean keptOutOfRace(Cycle c, String member) {
    if (!on(c)) {
      return false;
    }
    Optional<Map<String, String>> topology = c.cluster.failsafe();
    if (topology.isEmpty() || topology.get().containsKey(member)) {
      return false;
    }
    Optional<String> lone = loneListed(c);
    if (lone.isPresent() && !answeredAsReplica(c, lone.get())) {
      // A key listing one member may belong to a one-member cluster whose primary runs on failsafe
      // without the DCS; nobody was asked, so nothing proves it stopped: Patroni's rule, unrelaxed.
      return true;
    }
    return topology.get().keySet().stream().anyMatch(m -> !m.equals(member) && c.member(m)
            .map(x -> x.status().state() == dev.primus.dcs.model.MemberState.RUNNING && x.status().tags().canFailover())
            .orElse(false));
  }

  /**
   * A peer asked in the race only because the {@code failsafe} key lists it (it has no member key, so it
   * cannot reach the DCS and cannot race): its answer can say the primary is alive, but it may not
   * outrank anyone, or the others would defer to a member that never takes the lock.
   */
  static boolean askedOnlyAsListed(Cycle c, String member) {
    return on(c) && c.member(member).isEmpty();
  }

  /** The members of the {@code failsafe} key with an api_url, when failsafe mode is on. */
  static java.util.List<String> listedPeers(Cycle c) {
    if (!on(c)) {
      return java.util.List.of();
    }
    return c.cluster.failsafe().orElse(Map.of()).entrySet().stream()
        .filter(e -> !e.getValue().isBlank()).map(Map.Entry::getKey).sorted().toList();
  }

  /**
   * The lock holder keeps {@code failsafe} equal to the members it sees that have an {@code api_url},
   * itself included, and deletes it when failsafe mode is off.
   */
  static Optional<Action> keyUpdate(Cycle c) {
    Optional<Map<String, String>> current = c.cluster.failsafe();
    if (!on(c)) {
      return current.isPresent() ? Optional.of(new Action.DeleteFailsafe()) : Optional.empty();
    }
    Map<String, String> wanted = new TreeMap<>();
    c.cluster.members().stream()
        .filter(m -> !m.status().apiUrl().isEmpty())
        .forEach(m -> wanted.put(m.name(), m.status().apiUrl()));
    wanted.putIfAbsent(c.me, c.config.apiUrl());
    return current.map(wanted::equals).orElse(false)
        ? Optional.empty()
        : Optional.of(new Action.WriteFailsafe(wanted));
  }
}
