package dev.primus.agent.sim;

import dev.primus.agent.DecisionFunction;
import dev.primus.ha.HaEngine;

/**
 * The decision function the simulated agents run: the real {@link HaEngine#decide} unless a test wraps it
 * (the mutant tests remove a rule to prove the simulator notices). Handed to each agent through
 * {@link dev.primus.agent.PrimusAgent.Builder#decisionFunction}.
 */
@FunctionalInterface
interface Engine extends DecisionFunction {

  /** The production engine. */
  static Engine real() {
    return HaEngine::decide;
  }
}
