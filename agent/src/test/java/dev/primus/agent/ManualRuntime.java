package dev.primus.agent;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A runtime for the agent's unit tests: time is a {@link ManualClock} that only {@link #advance} moves (the
 * timers due by then run, in order); lanes run their tasks at once on the calling thread (one at a time,
 * in order); short blocking calls run inline; long ones run on a thread of their own, so a test can hold one
 * (a driver test double blocking a method) and see the action in progress. The watch reports what
 * {@link #fireWatch} says.
 */
final class ManualRuntime implements AgentRuntime {
  final ManualClock clock = new ManualClock();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>(
      Comparator.comparing((Timer t) -> t.at).thenComparingLong(t -> t.seq));
  private final AtomicLong seq = new AtomicLong();
  private final List<Consumer<Set<String>>> watchers = new ArrayList<>();
  private PeerClient peers;
  private final boolean inlineBackground;

  /** Long calls on threads of their own (a test can hold one). */
  ManualRuntime() {
    this(false);
  }

  /** @param inlineBackground run long calls inline too: everything on the test's thread, deterministic */
  ManualRuntime(boolean inlineBackground) {
    this.inlineBackground = inlineBackground;
  }

  ManualRuntime peers(PeerClient p) {
    this.peers = p;
    return this;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public Lane newLane(String name) {
    return new InlineLane();
  }

  @Override
  public <T> CompletionStage<T> call(Callable<T> blocking) {
    try {
      return CompletableFuture.completedFuture(blocking.call());
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public <T> CompletionStage<T> background(Callable<T> blocking) {
    if (inlineBackground) {
      return call(blocking);
    }
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(blocking.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "manual-runtime-background");
    t.setDaemon(true);
    t.start();
    return f;
  }

  @Override
  public synchronized Subscription watch(KeyValueStore store, String prefix, Duration pollInterval,
      Consumer<Set<String>> changed) {
    watchers.add(changed);
    return () -> {
      synchronized (this) {
        watchers.remove(changed);
      }
    };
  }

  @Override
  public PeerClient peers() {
    if (peers == null) {
      throw new IllegalStateException("this test gave the runtime no peer client");
    }
    return peers;
  }

  /** The watch reports {@code keys} changed. */
  void fireWatch(Set<String> keys) {
    List<Consumer<Set<String>>> now;
    synchronized (this) {
      now = List.copyOf(watchers);
    }
    now.forEach(w -> w.accept(keys));
  }

  /** Moves the clock by {@code d}, running every timer due by then at its instant. */
  void advance(Duration d) {
    Instant until = clock.instant().plus(d);
    while (true) {
      Timer next;
      synchronized (this) {
        next = timers.peek();
        if (next == null || next.at.isAfter(until)) {
          break;
        }
        timers.poll();
      }
      if (next.at.isAfter(clock.instant())) {
        clock.set(next.at);
      }
      if (!next.cancelled) {
        next.lane.execute(next.task);
      }
    }
    clock.set(until);
  }

  /** Runs what is due now (timers of zero delay). */
  void runDue() {
    advance(Duration.ZERO);
  }

  private static final class Timer {
    final Instant at;
    final long seq;
    final Lane lane;
    final Runnable task;
    volatile boolean cancelled;

    Timer(Instant at, long seq, Lane lane, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.lane = lane;
      this.task = task;
    }
  }

  /** Runs tasks on the calling thread, one at a time: a task handed over while another runs waits its turn. */
  private final class InlineLane implements Lane {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean draining;

    @Override
    public void execute(Runnable task) {
      synchronized (this) {
        queue.add(task);
        if (draining) {
          return;
        }
        draining = true;
      }
      while (true) {
        Runnable next;
        synchronized (this) {
          next = queue.poll();
          if (next == null) {
            draining = false;
            return;
          }
        }
        next.run();
      }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      Timer t;
      synchronized (ManualRuntime.this) {
        t = new Timer(clock.instant().plus(delay), seq.getAndIncrement(), this, task);
        timers.add(t);
      }
      return () -> t.cancelled = true;
    }
  }
}
