package dev.primus.agent;

import dev.primus.ha.AgentMemory;
import dev.primus.ha.Decision;
import dev.primus.ha.HaConfig;
import dev.primus.ha.HaEngine;
import dev.primus.ha.Observation;
import java.time.Instant;

/**
 * The decision an agent runs every cycle: {@link HaEngine#decide} in production. The seam exists for the
 * deterministic simulator, which wraps the real engine to break one rule on purpose and prove that its
 * invariants notice; nothing else should replace it.
 */
@FunctionalInterface
public interface DecisionFunction {
  Decision decide(Observation observation, AgentMemory memory, HaConfig config, Instant now);

  /** The production engine. */
  static DecisionFunction engine() {
    return HaEngine::decide;
  }
}
