package dev.primus.runner.rest;

import java.util.Objects;

/** What became of a restart request. */
public sealed interface RestartResult {

  /** PostgreSQL was restarted. HTTP 200. */
  record Restarted() implements RestartResult {}

  /** The restart was scheduled. HTTP 202. */
  record Scheduled() implements RestartResult {}

  /** Another restart is already scheduled on this member. HTTP 409. */
  record AlreadyScheduled() implements RestartResult {}

  /** The restart failed, or its conditions did not hold ({@code reason} says which). HTTP 503. */
  record Failed(String reason) implements RestartResult {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
