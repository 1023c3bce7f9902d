package dev.primus.agent;

import dev.primus.dcs.spi.KeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Where an agent's work runs and how it tells time: the threads of a process ({@link PrimusRuntime}, shared
 * by every agent of a JVM), or a simulator's virtual time. The agent never creates a thread, sleeps or
 * reads a clock itself; it asks its runtime.
 *
 * <p>An agent does everything on its own {@link Lane}, one task at a time; blocking work goes through
 * {@link #call} or {@link #background}, and the agent continues on its lane when the returned stage
 * completes. A simulator implements these to run every call at once in virtual time and complete it after
 * the time the call would take, which is how the same agent code runs in production and under the
 * deterministic simulator.
 */
public interface AgentRuntime {

  /** The only clock the agent reads. */
  Clock clock();

  /** A new lane for one agent: tasks run one at a time, in the order they were handed over. */
  Lane newLane(String name);

  /**
   * Runs a short blocking call (a DCS request, a probe of the database, a reload) and completes the stage
   * with its result or its exception. It may run on the calling lane's thread.
   */
  <T> CompletionStage<T> call(Callable<T> blocking);

  /**
   * A call the agent waits for at most {@code limit} — a DCS request, bounded by the {@code retry_timeout}
   * in effect, whatever deadline the store keeps (a vendor's store may keep none, and timings may have been
   * shortened since the store was built): a primary must know within that bound that a renewal failed.
   * The stage then completes with a {@link java.util.concurrent.TimeoutException}; the call itself may go on
   * and its result is dropped. The default does not bound: fit for a runtime whose calls cannot outlast
   * {@code limit} (a simulated store).
   */
  default <T> CompletionStage<T> callWithin(java.time.Duration limit, Callable<T> blocking) {
    return call(blocking);
  }

  /**
   * Runs a long blocking call (a base backup, a promotion, a script the agent waits for) off every lane,
   * so the agent keeps deciding meanwhile.
   */
  <T> CompletionStage<T> background(Callable<T> blocking);

  /**
   * Reports changes under {@code prefix} of {@code store} to {@code changed} (the keys that changed,
   * relative to {@code prefix}; empty when the store cannot tell which) until the returned subscription is
   * closed. Stores without a native watch are polled every {@code pollInterval}. A missed change is
   * allowed to be reported late, never to be lost for good: the agent reads the DCS every loop anyway.
   */
  Subscription watch(KeyValueStore store, String prefix, Duration pollInterval, Consumer<Set<String>> changed);

  /**
   * The peer client for an agent of this runtime (members in the same runtime may be answered without the
   * network).
   */
  PeerClient peers();

  /** Tells the runtime that {@code agent} now runs in it, reachable at its {@code api_url}. */
  default void register(PrimusAgent agent) {
  }

  /** The agent no longer runs. */
  default void unregister(PrimusAgent agent) {
  }

  /** A serial executor that can also run a task later. */
  interface Lane extends Executor {
    /** Runs {@code task} on this lane after {@code delay}. */
    Cancellable schedule(Duration delay, Runnable task);
  }

  /** A task scheduled for later that may be called off. */
  @FunctionalInterface
  interface Cancellable {
    /** Calls the task off if it has not run yet. */
    void cancel();
  }

  /** A watch to close. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
