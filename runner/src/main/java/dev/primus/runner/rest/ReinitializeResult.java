package dev.primus.runner.rest;

import java.util.Objects;

/** What became of a reinitialize request. */
public sealed interface ReinitializeResult {

  /** The replica is being rebuilt. HTTP 200. */
  record Started() implements ReinitializeResult {}

  /** It cannot be done, e.g. this member is the leader, or another action is running. HTTP 503. */
  record Refused(String reason) implements ReinitializeResult {
    public Refused {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
