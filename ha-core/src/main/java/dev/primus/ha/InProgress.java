package dev.primus.ha;

import java.time.Instant;
import java.util.Objects;

/** A long action the executor is still running, and since when. */
public record InProgress(Action action, Instant since) {
  public InProgress {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(since, "since");
    if (!action.isLong()) {
      throw new IllegalArgumentException("only long actions run in the background: " + action);
    }
  }
}
