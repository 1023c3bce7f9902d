package dev.primus.agent;

import dev.primus.dcs.model.MemberRole;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.Decision;
import java.time.Instant;
import java.util.Objects;

/**
 * What happened in an agent, pushed to its {@link AgentListener}s as it happens.
 */
public sealed interface AgentEvent {

  /** The member the event is about. */
  String member();

  /** When it happened, by the agent's clock. */
  Instant at();

  /** A cycle decided; the actions are about to run. */
  record DecisionTaken(String member, Instant at, Decision decision) implements AgentEvent {
    public DecisionTaken {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(decision, "decision");
    }
  }

  /** A long action ended, or a short one failed. */
  record ActionFinished(String member, Instant at, Action action, ActionOutcome outcome) implements AgentEvent {
    public ActionFinished {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(outcome, "outcome");
    }
  }

  /** The role the member reports changed (e.g. {@code replica} to {@code primary} after a promotion). */
  record RoleChanged(String member, Instant at, MemberRole from, MemberRole to) implements AgentEvent {
    public RoleChanged {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }

  /** This member took the leader lock. */
  record LockAcquired(String member, Instant at) implements AgentEvent {
    public LockAcquired {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
    }
  }

  /** This member no longer holds the leader lock (released, lost, or no longer renewable). */
  record LockLost(String member, Instant at, String why) implements AgentEvent {
    public LockLost {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(why, "why");
    }
  }

  /** Commits on this primary wait and cannot be acknowledged; {@code reason} says why. */
  record WritesBlocked(String member, Instant at, String reason) implements AgentEvent {
    public WritesBlocked {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A cycle failed on an unexpected error (a bug, or a backend that broke its contract); the loop tries
   * again after a short pause.
   */
  record CycleFailed(String member, Instant at, Throwable error) implements AgentEvent {
    public CycleFailed {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(error, "error");
    }
  }

  /**
   * Before promoting, this member tried to fence the former primary {@code former} through its database
   * ({@link dev.primus.ha.Action.FenceFormerPrimary}): {@code result} says whether it was made read-only, was
   * not reachable, was already in recovery, or could not be fenced. The promotion went ahead either way.
   */
  record FormerPrimaryFenced(String member, Instant at, String former, dev.primus.ha.driver.FenceResult result)
      implements AgentEvent {
    public FormerPrimaryFenced {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(former, "former");
      Objects.requireNonNull(result, "result");
    }
  }

  /** Commits are acknowledged again. */
  record WritesUnblocked(String member, Instant at) implements AgentEvent {
    public WritesUnblocked {
      Objects.requireNonNull(member, "member");
      Objects.requireNonNull(at, "at");
    }
  }
}
