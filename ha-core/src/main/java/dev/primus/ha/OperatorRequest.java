package dev.primus.ha;

import java.util.Objects;

/**
 * What an operator asked this member to do (through the agent's command API: the REST API,
 * {@code ctl}, an embedder), handed to the engine in every {@link Observation} until the agent has
 * answered it. The engine decides whether and when: an action that carries the request's {@link #id()}
 * carries it out ({@link Action.RestartDatabase}, {@link Action.Reinitialize}, {@link Action.ApplyParameters}),
 * an {@link Action.RefuseRequest} answers it with a reason, and a request no action names waits for a
 * later cycle (a reload while a long action runs, a restart scheduled for later).
 */
public sealed interface OperatorRequest {

  /** Unique among this agent's requests; actions refer to the request by it. */
  long id();

  /** Re-read the configuration and reload the database (SIGHUP, {@code POST /reload}). */
  record Reload(long id) implements OperatorRequest {}

  /** Restart the database, now or at the request's schedule, if its conditions hold. */
  record Restart(long id, RestartRequest request) implements OperatorRequest {
    public Restart {
      Objects.requireNonNull(request, "request");
    }
  }

  /**
   * Rebuild this replica's data directory ({@code POST /reinitialize}).
   *
   * @param force      asked to cancel a running long action (which Primus cannot: it is refused the same)
   * @param fromLeader take the copy from the leader, not from a running {@code clonefrom} member
   */
  record Reinitialize(long id, boolean force, boolean fromLeader) implements OperatorRequest {}
}
