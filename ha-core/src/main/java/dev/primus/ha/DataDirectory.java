package dev.primus.ha;

import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.Versioned;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/**
 * What the data directory allows before anything else happens to the database (Patroni's steps 7 and 9):
 * a new cluster to bootstrap or a replica to build when it is empty, a refusal when it is unusable or
 * belongs to another cluster, the winner's writes after a bootstrap, and the adoption of an existing
 * data directory by a cluster the DCS has never seen.
 */
final class DataDirectory {
  private DataDirectory() {}

  // ---- a failed bootstrap ----------------------------------------------------------------------------

  /**
   * This member won the initialize race and its bootstrap failed: remove the {@code ""} marker so another
   * member can try, then stay down (Patroni exits; the agent here keeps publishing its state instead). A
   * half-bootstrapped server has no lock and must not take writes, so it is stopped.
   */
  static Optional<Plan> afterFailedBootstrap(Cycle c) {
    AgentMemory.BootstrapState b = c.memory.bootstrap();
    if (b != AgentMemory.BootstrapState.FAILED && b != AgentMemory.BootstrapState.CANCELLED) {
      return Optional.empty();
    }
    Optional<Action> stop = c.local.isRunning() && c.obs.inProgress().isEmpty()
        ? Optional.of(new Action.StopDatabase(StopMode.IMMEDIATE)) : Optional.empty();
    boolean markerIsMine = b == AgentMemory.BootstrapState.FAILED && c.initialize().map(String::isEmpty).orElse(false);
    if (markerIsMine) {
      return Optional.of(Plan.because(Reason.BOOTSTRAP_FAILED)
          .then(new Action.CancelInitialize())
          .then(stop)
          .recheckAfter(Duration.ZERO));
    }
    return Optional.of(Plan.because(Reason.BOOTSTRAP_GAVE_UP).then(stop));
  }

  // ---- the data directory ------------------------------------------------------------------------

  static Optional<Plan> check(Cycle c) {
    switch (c.local.dataDirectory()) {
      case EMPTY:
        return Optional.of(empty(c));
      case INVALID:
        return Optional.of(Plan.because(Reason.DATA_DIRECTORY_INVALID)
            .then(c.holder() ? Optional.of(new Action.ReleaseLeaderLock()) : Optional.empty()));
      case INITIALIZED:
      default:
        return initialized(c);
    }
  }

  private static Plan empty(Cycle c) {
    if (c.memory.bootstrap() == AgentMemory.BootstrapState.RACE_WON) {
      // Won the race, but initdb has not run (the executor stopped before it): run it now.
      return Plan.because(Reason.BOOTSTRAPPING).then(new Action.Bootstrap()).about(c.me);
    }
    if (c.holder()) {
      return Plan.because(Reason.DATA_DIRECTORY_EMPTY_RELEASED_LOCK)
          .then(new Action.ReleaseLeaderLock())
          .recheckAfter(Duration.ZERO);
    }
    if (c.paused()) {
      return Plan.because(Reason.PAUSED);
    }
    Optional<String> leader = c.otherLeader();
    if (leader.isPresent()) {
      String source = cloneSource(c).orElse(leader.get());
      return Plan.because(Reason.CREATING_REPLICA).then(new Action.CreateReplica(source)).about(source);
    }
    boolean unclaimed = c.leader().isEmpty() && c.cluster.initialize().isEmpty();
    if (unclaimed && c.config.bootstrapAllowed() && c.canFailover()) {
      // The race is create-if-absent; the executor stops before Bootstrap if somebody else won it.
      return Plan.because(Reason.BOOTSTRAP_RACE)
          .then(new Action.RaceInitialize())
          .then(new Action.Bootstrap())
          .about(c.me);
    }
    boolean initialized = c.initialize().filter(sysid -> !sysid.isEmpty()).isPresent();
    if (initialized && c.config.replicaWithoutLeader()) {
      // Patroni's clone "without leader": a no_leader method (a restore from a backup) builds the
      // replica; it then starts with no upstream and races like any replica. Never while the race
      // marker is "" (somebody is bootstrapping), and never instead of a race this member may run.
      return Plan.because(Reason.CREATING_REPLICA_WITHOUT_LEADER)
          .then(new Action.CreateReplica(Optional.empty()))
          .about(c.me);
    }
    return Plan.because(Reason.WAITING_FOR_LEADER);
  }

  /**
   * A running member tagged {@code clonefrom}, to spare the leader the base backup; the most advanced
   * one, then by name, so the choice is deterministic.
   */
  private static Optional<String> cloneSource(Cycle c) {
    return c.cluster.members().stream()
        .filter(m -> !m.name().equals(c.me))
        .filter(m -> m.status().tags().cloneFrom())
        .filter(m -> m.status().state() == MemberState.RUNNING)
        .filter(m -> !m.status().connUrl().isBlank())
        .max(Comparator.comparingLong((Member m) -> m.status().walPosition())
            .thenComparing(Member::name, Comparator.reverseOrder()))
        .map(Member::name);
  }

  private static Optional<Plan> initialized(Cycle c) {
    if (c.sysidMismatch()) {
      // Never overwrite the DCS, never start this data directory. A server that runs anyway as a primary
      // takes writes without the lock, so it is stopped; the lock, if held, is given up.
      Plan refuse = Plan.because(Reason.SYSID_MISMATCH).about(c.me);
      if (c.holder()) {
        refuse.then(new Action.ReleaseLeaderLock());
      }
      if (c.local.isRunningPrimary() && !c.paused() && !c.stopUnderway()) {
        refuse.then(new Action.StopDatabase(StopMode.FAST));
      }
      return Optional.of(refuse);
    }
    AgentMemory.BootstrapState b = c.memory.bootstrap();
    boolean bootstrapping = b == AgentMemory.BootstrapState.RACE_WON || b == AgentMemory.BootstrapState.BOOTSTRAPPED;
    if (bootstrapping && (c.leader().isEmpty() || c.holder())) {
      return Optional.of(afterBootstrap(c));
    }
    if (c.leader().isPresent() || c.paused()) {
      return Optional.empty();
    }
    Optional<Versioned<String>> init = c.cluster.initialize();
    Optional<String> sysid = c.local.systemIdentifier();
    if (init.isEmpty() && sysid.isPresent()) {
      if (c.local.isRunning() && c.local.role().orElse(null) == DatabaseRole.REPLICA) {
        return Optional.of(Plan.because(Reason.ADOPT_REFUSED_REPLICA).about(c.me));
      }
      return Optional.of(Plan.because(Reason.ADOPTING_EXISTING)
          .then(new Action.WriteInitialize(sysid.get(), Optional.empty()))
          .about(c.me)
          .recheckAfter(Duration.ZERO));
    }
    if (init.isPresent() && init.get().value().isEmpty()) {
      // Somebody won the race and is bootstrapping. Only that member can be running a primary now (an
      // agent that restarted after initdb and lost its memory): it claims the marker, by CAS, so a real
      // bootstrapper that finishes first wins.
      if (c.local.isRunningPrimary() && sysid.isPresent()) {
        return Optional.of(Plan.because(Reason.ADOPTING_EXISTING)
            .then(new Action.WriteInitialize(sysid.get(), Optional.of(init.get().version())))
            .about(c.me)
            .recheckAfter(Duration.ZERO));
      }
      return Optional.of(Plan.because(Reason.WAITING_FOR_LEADER));
    }
    return Optional.empty();
  }

  /**
   * The race winner's bootstrap finished. Once the server runs as primary: {@code initialize} = its
   * system identifier (CAS on the marker), the lock, the watchdog, and {@code config} from
   * {@code bootstrap.dcs} when the key does not exist yet.
   */
  private static Plan afterBootstrap(Cycle c) {
    LocalState l = c.local;
    if (l.isRunningPrimary() && l.systemIdentifier().isPresent()) {
      Optional<String> init = c.initialize();
      Plan plan = Plan.because(Reason.POST_BOOTSTRAP).about(c.me).recheckAfter(Duration.ZERO);
      if (!init.equals(l.systemIdentifier())) {
        plan.then(new Action.WriteInitialize(l.systemIdentifier().get(), c.cluster.initialize().map(Versioned::version)));
      }
      if (!c.holder()) {
        plan.then(new Action.AcquireLeaderLock());
      } else {
        plan.then(new Action.RenewLeaderLock());
      }
      plan.then(Watchdog.afterLockUpdate(c));
      Leading.configIfMissing(c).ifPresent(plan::thenLast);
      return plan;
    }
    if (l.process() == LocalState.ProcessState.STOPPED || l.process() == LocalState.ProcessState.CRASHED) {
      // Our own new cluster, which nobody else can be running (the marker keeps everyone waiting).
      return Plan.because(Reason.BOOTSTRAPPING).then(new Action.StartDatabase(DatabaseRole.PRIMARY, Optional.empty()))
          .about(c.me);
    }
    return Plan.because(Reason.BOOTSTRAPPING).about(c.me);
  }
}
