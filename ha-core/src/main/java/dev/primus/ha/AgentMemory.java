package dev.primus.ha;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine remembers between cycles, as a value: the runner keeps the current one, hands it to
 * {@code decide}, and folds each action's outcome into it with {@link #record}. Nothing here is read
 * from a clock; every instant came in as an input.
 *
 * @param lastLockUpdate when this member last acquired or renewed the leader lock successfully; it
 *                       counts itself leader only while {@code now < lastLockUpdate + ttl}
 */
public record AgentMemory(Optional<Instant> lastLockUpdate) {
  public AgentMemory {
    Objects.requireNonNull(lastLockUpdate, "lastLockUpdate");
  }

  /** The memory of an agent that has just started. */
  public static AgentMemory initial() {
    return new AgentMemory(Optional.empty());
  }

  /** This memory after {@code action} ended with {@code outcome} at {@code at}. */
  public AgentMemory record(Action action, ActionOutcome outcome, Instant at) {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(at, "at");
    if (action instanceof Action.AcquireLeaderLock || action instanceof Action.RenewLeaderLock) {
      return outcome.succeeded() ? new AgentMemory(Optional.of(at)) : new AgentMemory(Optional.empty());
    }
    if (action instanceof Action.ReleaseLeaderLock && outcome.succeeded()) {
      return new AgentMemory(Optional.empty());
    }
    return this;
  }
}
