package dev.primus.agent;

import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import dev.primus.ha.AgentMemory;
import dev.primus.ha.InProgress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's memory and the long action in progress, kept together under one lock. The loop thread
 * records the outcomes of short actions and the long-action thread those of long ones; the loop takes a
 * {@link #snapshot()} before deciding, so the engine never sees a finished action still "in progress"
 * without its outcome, or the other way round.
 */
public final class AgentState {
  private AgentMemory memory;
  private Optional<InProgress> inProgress = Optional.empty();

  public AgentState(AgentMemory initial) {
    this.memory = Objects.requireNonNull(initial, "initial");
  }

  public AgentState() {
    this(AgentMemory.initial());
  }

  /** What the engine is given: the memory and the long action running, read together. */
  public record Snapshot(AgentMemory memory, Optional<InProgress> inProgress) {}

  public synchronized Snapshot snapshot() {
    return new Snapshot(memory, inProgress);
  }

  public synchronized AgentMemory memory() {
    return memory;
  }

  public synchronized Optional<InProgress> inProgress() {
    return inProgress;
  }

  /** Folds one outcome into the memory. */
  public synchronized void record(Action action, ActionOutcome outcome, Instant at) {
    memory = memory.record(action, outcome, at);
  }

  /** Marks {@code action} as running; false if another long action runs already. */
  synchronized boolean begin(Action action, Instant since) {
    if (inProgress.isPresent()) {
      return false;
    }
    inProgress = Optional.of(new InProgress(action, since));
    return true;
  }

  /** The running action moved on to the next one of its chain. */
  synchronized void continueWith(Action next, Instant since) {
    inProgress = Optional.of(new InProgress(next, since));
  }

  /** The running long action ended: record its outcome and clear "in progress" in one step. */
  synchronized void finish(Action action, ActionOutcome outcome, Instant at, boolean chainGoesOn) {
    memory = memory.record(action, outcome, at);
    if (!chainGoesOn) {
      inProgress = Optional.empty();
    }
  }
}
