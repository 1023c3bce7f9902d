package dev.primus.ha.driver;

import java.util.Objects;

/**
 * What {@link DatabaseDriver#fenceFormerPrimary} did to a former primary.
 *
 * @param outcome which of the cases it was
 * @param detail  one line for the log and the event: what was done or why nothing was
 */
public record FenceResult(Outcome outcome, String detail) {
  public FenceResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(detail, "detail");
  }

  /** The cases a fencing attempt ends in; none of them holds a promotion back. */
  public enum Outcome {
    /** It ran as a primary and was made read-only; its sessions were ended. */
    FENCED,
    /** It answered, and was already in recovery (a replica, or demoted): nothing to do. */
    ALREADY_IN_RECOVERY,
    /** It could not be connected to within the timeout (down, or cut off): nothing done. */
    NOT_REACHABLE,
    /** It answered, but fencing failed part way (e.g. a statement was refused). */
    FAILED,
    /** The driver cannot fence (the default of {@link DatabaseDriver#fenceFormerPrimary}). */
    NOT_SUPPORTED
  }

  public static FenceResult of(Outcome outcome, String detail) {
    return new FenceResult(outcome, detail);
  }
}
