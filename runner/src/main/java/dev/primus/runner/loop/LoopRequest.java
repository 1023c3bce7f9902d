package dev.primus.runner.loop;

import dev.primus.runner.rest.RestartRequest;
import dev.primus.runner.rest.RestartResult;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Work the REST API hands to the loop. The engine has no input for these yet, so the loop carries them
 * out itself between cycles: a restart or a reinitialization runs as a long action (the engine sees it
 * in progress and the lock holder keeps renewing), a reload re-reads the local file and reloads
 * PostgreSQL once no long action runs.
 */
sealed interface LoopRequest {

  /** Re-read the configuration file and reload PostgreSQL (SIGHUP, {@code POST /reload}). */
  record Reload() implements LoopRequest {}

  /** Restart PostgreSQL now if the request's conditions hold; {@code result} completes when it is done. */
  record Restart(RestartRequest request, CompletableFuture<RestartResult> result) implements LoopRequest {
    public Restart {
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(result, "result");
    }
  }

  /**
   * Rebuild this replica from {@code source}; {@code started} completes with empty once the work has
   * started, or with the reason it could not.
   */
  record Reinitialize(String source, CompletableFuture<Optional<String>> started) implements LoopRequest {
    public Reinitialize {
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(started, "started");
    }
  }
}
