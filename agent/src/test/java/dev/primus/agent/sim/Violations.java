package dev.primus.agent.sim;

import java.util.ArrayList;
import java.util.List;

/** The violations one schedule found, stamped with the virtual time and written to the trace. */
final class Violations {
  private final Scheduler scheduler;
  private final Trace trace;
  private final List<Violation> found = new ArrayList<>();

  Violations(Scheduler scheduler, Trace trace) {
    this.scheduler = scheduler;
    this.trace = trace;
  }

  void report(int invariant, String detail) {
    Violation v = new Violation(invariant, scheduler.now(), detail);
    found.add(v);
    trace.add(v.at(), "CHECK", "VIOLATION " + v);
  }

  List<Violation> all() {
    return List.copyOf(found);
  }

  boolean any() {
    return !found.isEmpty();
  }
}
