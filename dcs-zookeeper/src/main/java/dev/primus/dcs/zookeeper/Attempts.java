package dev.primus.dcs.zookeeper;

/**
 * What one store call has sent so far: whether a request that changes data may have been applied
 * although its answer was lost. That decides between {@code UNAVAILABLE} (nothing applied) and
 * {@code TIMEOUT} (outcome unknown), and lets a write that meets a conflict on its retry recognise its
 * own earlier attempt.
 */
final class Attempts {
  private final boolean mutating;
  private volatile boolean maybeApplied;

  private Attempts(boolean mutating) {
    this.mutating = mutating;
  }

  static Attempts reads() {
    return new Attempts(false);
  }

  static Attempts writes() {
    return new Attempts(true);
  }

  /** A request was sent and its answer was lost. */
  void answerLost() {
    if (mutating) {
      maybeApplied = true;
    }
  }

  boolean maybeApplied() {
    return maybeApplied;
  }
}
