package dev.primus.agent;

import dev.primus.ha.ActionOutcome;
import dev.primus.ha.OperatorRequest;

/**
 * An operator's request on its way through the engine, and how the agent tells the one who asked: when an
 * action carrying it starts, when it ends, or that it was refused. Called on the agent's lane.
 */
interface PendingRequest {
  OperatorRequest request();

  /** An action carrying the request started. */
  default void started() {
  }

  /** That action ended. */
  void finished(ActionOutcome outcome);

  /** The engine (or the agent stopping) refused it. */
  void refused(String reason);
}
