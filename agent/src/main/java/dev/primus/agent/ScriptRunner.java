package dev.primus.agent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Runs the operator's scripts for {@link DatabaseCallbacks}: {@link CallbackRunner} in the agent; a recorder
 * in tests that only check which scripts are asked for, and in which order.
 */
interface ScriptRunner {

  /** Hands {@code script} over to run in the background; returns at once. */
  void launch(Script script);

  /** Runs {@code script} on the calling thread and waits for it (within its timeout). */
  Outcome run(Script script);

  /**
   * One script run.
   *
   * @param name    what it is for ({@code on_start}, ..., {@code pre_promote}), for the log and the lanes
   * @param argv    the program and its arguments
   * @param timeout how long it may run before it is killed
   */
  record Script(String name, List<String> argv, Duration timeout) {
    public Script {
      Objects.requireNonNull(name, "name");
      argv = List.copyOf(argv);
      if (argv.isEmpty()) {
        throw new IllegalArgumentException("argv must name a program");
      }
      Objects.requireNonNull(timeout, "timeout");
    }
  }

  /** How a script ended that the caller waited for. */
  sealed interface Outcome {
    /** It ran and exited with {@code code}. */
    record Exited(int code) implements Outcome {}

    /** It never ran: the program is missing or not executable, or could not be started. */
    record NotRun(String why) implements Outcome {}

    /** It ran longer than its timeout and was killed. */
    record TimedOut(Duration timeout) implements Outcome {}
  }
}
