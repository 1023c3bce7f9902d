package dev.primus.agent.sim;

import dev.primus.dcs.spi.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The discrete-event core: a queue of events ordered by (instant, insertion order) over one
 * {@link ManualClock}. Running an event first moves the clock to its instant; nothing else moves it, so
 * every component that reads the clock sees the same virtual time and a schedule replays exactly.
 */
final class Scheduler {
  private final ManualClock clock;
  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long sequence;
  private Runnable beforeEach = () -> { };

  Scheduler(ManualClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Runs before every event, after the clock moved to its instant (the fleet settles WAL positions). */
  void beforeEach(Runnable r) {
    this.beforeEach = Objects.requireNonNull(r, "r");
  }

  Instant now() {
    return clock.instant();
  }

  ManualClock clock() {
    return clock;
  }

  /** Runs {@code action} at {@code at} (not before now: the past cannot be scheduled). */
  Event at(Instant at, String label, Runnable action) {
    Instant when = at.isBefore(now()) ? now() : at;
    Event e = new Event(when, sequence++, label, action);
    queue.add(e);
    return e;
  }

  Event after(Duration delay, String label, Runnable action) {
    return at(now().plus(delay), label, action);
  }

  /** The instant of the next live event, or null when the queue is empty. */
  Instant peekTime() {
    dropCancelled();
    Event e = queue.peek();
    return e == null ? null : e.at;
  }

  /**
   * Runs the next live event if it is due no later than {@code limit}.
   *
   * @return the event run, or null if there was none due
   */
  Event runNext(Instant limit) {
    dropCancelled();
    Event e = queue.peek();
    if (e == null || e.at.isAfter(limit)) {
      return null;
    }
    queue.poll();
    if (e.at.isAfter(now())) {
      clock.set(e.at);
    }
    beforeEach.run();
    e.action.run();
    return e;
  }

  private void dropCancelled() {
    while (!queue.isEmpty() && queue.peek().cancelled) {
      queue.poll();
    }
  }

  /** One scheduled callback. Cancel it instead of removing it: the queue skips cancelled events. */
  static final class Event implements Comparable<Event> {
    final Instant at;
    final long sequence;
    final String label;
    private final Runnable action;
    private boolean cancelled;

    Event(Instant at, long sequence, String label, Runnable action) {
      this.at = at;
      this.sequence = sequence;
      this.label = label;
      this.action = action;
    }

    void cancel() {
      cancelled = true;
    }

    boolean cancelled() {
      return cancelled;
    }

    @Override
    public int compareTo(Event o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }
}
