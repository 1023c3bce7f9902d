package dev.primus.runner.rest;

import java.util.Objects;

/** What became of a switchover or failover request. */
public sealed interface SwitchoverResult {

  /** The request was scheduled (written to the {@code failover} key with its time). HTTP 202. */
  record Scheduled() implements SwitchoverResult {}

  /** The leader changed to {@code newLeader} while the request was being waited on. HTTP 200. */
  record Completed(String newLeader) implements SwitchoverResult {
    public Completed {
      Objects.requireNonNull(newLeader, "newLeader");
    }
  }

  /** No member could take over (e.g. no healthy candidate answered); nothing was written. HTTP 412. */
  record NotPossible(String reason) implements SwitchoverResult {
    public NotPossible {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The request could not be written to the DCS, or it was written but the leader did not change in
   * time (the key was cleared, or the wait ran out). HTTP 503.
   */
  record Failed(String reason) implements SwitchoverResult {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
