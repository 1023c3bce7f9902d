package dev.primus.agent;

/**
 * Receives an agent's {@link AgentEvent}s. Called on the agent's own lane, in the order the events happen:
 * return quickly and never block (hand the event to your own executor for anything slow), and never call a
 * blocking method of the agent from here. An exception thrown here is logged and otherwise ignored.
 */
@FunctionalInterface
public interface AgentListener {
  void onEvent(AgentEvent event);
}
