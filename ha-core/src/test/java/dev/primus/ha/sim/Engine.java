package dev.primus.ha.sim;

import dev.primus.ha.AgentMemory;
import dev.primus.ha.Decision;
import dev.primus.ha.HaConfig;
import dev.primus.ha.HaEngine;
import dev.primus.ha.Observation;
import java.time.Instant;

/**
 * The decision function the simulated agents run: the real {@link HaEngine#decide} unless a test
 * wraps it (the mutant test removes a rule to prove the simulator notices).
 */
@FunctionalInterface
interface Engine {
  Decision decide(Observation observation, AgentMemory memory, HaConfig config, Instant now);

  /** The production engine. */
  static Engine real() {
    return HaEngine::decide;
  }
}
