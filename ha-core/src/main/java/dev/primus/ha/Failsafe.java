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
 * not in the middle of a promotion or a stop takes this path; any other primary demotes as before.
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
      // A single-member cluster: nobody to ask and nobody who could race (Patroni keeps running too).
      return Optional.of(keep(c, c.now));
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
   * less than ttl ago, or that is missing from a non-empty {@code failsafe} key, does not race (Patroni
   * treats the sender as the leader, which a replica already following it just keeps doing).
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
    Optional<Map<String, String>> topology = c.cluster.failsafe();
    if (topology.isPresent() && !topology.get().isEmpty() && !topology.get().containsKey(c.me)) {
      return Optional.of(Plan.because(Reason.NOT_IN_FAILSAFE).recheckAfter(c.soon()));
    }
    return Optional.empty();
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
