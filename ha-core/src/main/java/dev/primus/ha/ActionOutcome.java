package dev.primus.ha;

import java.util.Objects;

/** How an executed action ended, reported back to {@link AgentMemory#record}. */
public sealed interface ActionOutcome {

  /** It did what it said. */
  record Succeeded() implements ActionOutcome {}

  /**
   * An expected refusal: the lock is held by someone else, a CAS version moved, the key already
   * exists. Nothing was changed.
   */
  record Conflict(String detail) implements ActionOutcome {
    public Conflict {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** The DCS could not be asked; whether a write applied may be unknown. */
  record DcsUnavailable(String detail) implements ActionOutcome {
    public DcsUnavailable {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** The database operation failed (non-zero exit, timeout, connection refused). */
  record Failed(String detail) implements ActionOutcome {
    public Failed {
      Objects.requireNonNull(detail, "detail");
    }
  }

  default boolean succeeded() {
    return this instanceof Succeeded;
  }
}
