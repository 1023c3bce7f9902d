package dev.primus.ha;

import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import java.util.Comparator;
import java.util.Optional;

/**
 * What the engine does with the operators' requests ({@link Observation#requests()}), after the cycle's own
 * plan is made: a request is carried out by an action added to that plan, refused with a reason, or left
 * for a later cycle. Nothing an operator asks for overrides what the cluster needs: a restart or a
 * reinitialization joins only a plan that starts no database action of its own.
 *
 * <ul>
 *   <li>Reload: the parameters are applied (and {@code on_reload} runs) once no long action runs.
 *   <li>Restart (Patroni's {@code POST /restart}): when due, if its conditions hold (role, pending restart,
 *       an older server version) and the server runs; refused otherwise, or while a long action runs. A
 *       scheduled one that falls due while the database is busy waits for the next idle cycle.
 *   <li>Reinitialize: refused on the lock holder, without a leader, and while a long action runs; else the
 *       data directory is rebuilt from the leader, or from a running {@code clonefrom} member unless the
 *       request asks for the leader.
 * </ul>
 */
final class Requests {
  private Requests() {}

  static void apply(Cycle c, Plan plan) {
    for (OperatorRequest r : c.obs.requests()) {
      if (r instanceof OperatorRequest.Reload reload) {
        reload(c, plan, reload);
      } else if (r instanceof OperatorRequest.Restart restart) {
        restart(c, plan, restart);
      } else if (r instanceof OperatorRequest.Reinitialize reinit) {
        reinitialize(c, plan, reinit);
      }
    }
  }

  /**
   * The DCS cannot be reached: a restart or a reinitialization asked for now is refused (a scheduled one
   * waits, and so does a reload).
   */
  static void refuseWithoutDcs(Cycle c, Plan plan) {
    for (OperatorRequest r : c.obs.requests()) {
      boolean now = r instanceof OperatorRequest.Reinitialize
          || (r instanceof OperatorRequest.Restart restart && restart.request().schedule().isEmpty());
      if (now) {
        plan.thenLast(new Action.RefuseRequest(r.id(), "the DCS is not accessible"));
      }
    }
  }

  private static void reload(Cycle c, Plan plan, OperatorRequest.Reload r) {
    if (!Parameters.idle(c, plan)) {
      return;
    }
    plan.replaceHousekeeping(Action.ApplyParameters.class,
        new Action.ApplyParameters(Parameters.wanted(c), Optional.of(r.id()), true));
  }

  private static void restart(Cycle c, Plan plan, OperatorRequest.Restart r) {
    RestartRequest request = r.request();
    boolean scheduled = request.schedule().isPresent();
    if (scheduled && c.now.isBefore(request.schedule().get().toInstant())) {
      return;
    }
    if (c.obs.inProgress().isPresent() || plan.startsLongAction()) {
      if (!scheduled) {
        plan.thenLast(new Action.RefuseRequest(r.id(), busy(c, plan)));
      }
      return;
    }
    Optional<String> unmet = unmetCondition(c, request);
    if (unmet.isPresent()) {
      plan.thenLast(new Action.RefuseRequest(r.id(), unmet.get()));
      return;
    }
    plan.then(new Action.RestartDatabase(request.timeout(), Optional.of(r.id())));
  }

  /** Why the restart's conditions do not hold now, or empty if they do. */
  static Optional<String> unmetCondition(Cycle c, RestartRequest request) {
    if (!c.local.isRunning()) {
      return Optional.of("restart conditions are not satisfied: postgres is not running");
    }
    if (request.role().isPresent()) {
      MemberRole actual = c.myStatus().role();
      MemberRole wanted = request.role().get();
      if (actual != wanted) {
        return Optional.of("restart conditions are not satisfied: role is " + actual.wire() + ", not " + wanted.wire());
      }
    }
    if (request.onlyIfPending() && !c.local.pendingRestart()) {
      return Optional.of("restart conditions are not satisfied: no restart is pending");
    }
    if (request.postgresVersion().isPresent()) {
      Optional<Integer> running = c.local.serverVersion();
      if (running.isEmpty()) {
        return Optional.of("restart conditions are not satisfied: the running server version is not known");
      }
      if (running.get() >= request.postgresVersion().get()) {
        return Optional.of("restart conditions are not satisfied: the server runs version "
            + RestartRequest.versionText(running.get()) + ", not older than "
            + RestartRequest.versionText(request.postgresVersion().get()));
      }
    }
    return Optional.empty();
  }

  private static void reinitialize(Cycle c, Plan plan, OperatorRequest.Reinitialize r) {
    if (c.holder()) {
      plan.thenLast(new Action.RefuseRequest(r.id(), "I am the leader, can not reinitialize"));
      return;
    }
    Optional<String> leader = c.otherLeader();
    if (leader.isEmpty()) {
      plan.thenLast(new Action.RefuseRequest(r.id(), "Cluster has no leader, can not reinitialize"));
      return;
    }
    if (c.obs.inProgress().isPresent() || plan.startsLongAction()) {
      String running = busy(c, plan);
      plan.thenLast(new Action.RefuseRequest(r.id(), r.force()
          ? running + "; it cannot be cancelled, try again when it has finished" : running));
      return;
    }
    String source = r.fromLeader() ? leader.get() : cloneSource(c).orElse(leader.get());
    plan.then(new Action.Reinitialize(source, Optional.of(r.id())));
  }

  /** A running member tagged {@code clonefrom}, other than me, to spare the leader the base backup. */
  private static Optional<String> cloneSource(Cycle c) {
    return c.cluster.members().stream()
        .filter(m -> !m.name().equals(c.me))
        .filter(m -> m.status().tags().cloneFrom() && m.status().state() == MemberState.RUNNING)
        .filter(m -> !m.status().connUrl().isBlank())
        .max(Comparator.comparingLong((Member m) -> m.status().walPosition())
            .thenComparing(Member::name, Comparator.reverseOrder()))
        .map(Member::name);
  }

  private static String busy(Cycle c, Plan plan) {
    Optional<Action> running = c.obs.inProgress().map(InProgress::action).or(plan::firstLongAction);
    return running.map(a -> "a long action is in progress: " + a.getClass().getSimpleName())
        .orElse("a long action is in progress");
  }
}
