package dev.primus.agent.sim;

import dev.primus.agent.AgentRuntime;
import dev.primus.agent.PeerClient;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.KeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The runtime of one simulated node's agent: the real {@link dev.primus.agent.PrimusAgent} runs on it in
 * virtual time. Its lane runs tasks on the world's event queue, one at a time, and drops them once the
 * node died or restarted (a new agent has a new runtime); while the node is frozen its tasks wait for the
 * thaw, in order. Blocking calls run at once: one that reaches the in-memory store takes no time, one that
 * cannot reach it fails after {@code retry_timeout}, the request deadline (Patroni's etcd client does the
 * same). The watch is the world's ({@link SimCluster#fireWatches}); the peers are the world's view of the
 * other nodes ({@link SimPeers}).
 */
final class SimRuntime implements AgentRuntime {
  private final SimNode node;
  private final SimCluster world;
  private final int generation;

  SimRuntime(SimNode node, SimCluster world, int generation) {
    this.node = node;
    this.world = world;
    this.generation = generation;
  }

  @Override
  public Clock clock() {
    return world.scheduler().clock();
  }

  @Override
  public Lane newLane(String name) {
    return new SimLane(name);
  }

  @Override
  public <T> CompletionStage<T> call(Callable<T> blocking) {
    try {
      return CompletableFuture.completedFuture(blocking.call());
    } catch (DcsException e) {
      // The request blocked until its deadline.
      CompletableFuture<T> f = new CompletableFuture<>();
      world.scheduler().after(world.timings().retryTimeout(), node.name() + " DCS call timed out",
          () -> f.completeExceptionally(e));
      return f;
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * As {@link #call}, but a request that cannot reach the store fails after {@code limit} when that comes
   * before the store's deadline ({@code retry_timeout} as configured: with timings that break
   * {@code loop_wait + 2*retry_timeout <= ttl}, only the agent's own bound keeps a primary safe).
   */
  @Override
  public <T> CompletionStage<T> callWithin(Duration limit, Callable<T> blocking) {
    try {
      return CompletableFuture.completedFuture(blocking.call());
    } catch (DcsException e) {
      Duration deadline = world.timings().retryTimeout();
      boolean bounded = limit.compareTo(deadline) < 0;
      CompletableFuture<T> f = new CompletableFuture<>();
      world.scheduler().after(bounded ? limit : deadline, node.name() + (bounded ? " gave up on a DCS call"
          : " DCS call timed out"), () -> f.completeExceptionally(bounded
              ? new java.util.concurrent.TimeoutException("no answer within " + limit.toMillis() + " ms") : e));
      return f;
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public <T> CompletionStage<T> background(Callable<T> blocking) {
    return call(blocking);
  }

  @Override
  public Subscription watch(KeyValueStore store, String prefix, Duration pollInterval, Consumer<Set<String>> changed) {
    node.watching(changed);
    return () -> node.watching(null);
  }

  @Override
  public PeerClient peers() {
    return new SimPeers(node, world);
  }

  /** Whether tasks of this runtime may still run: the same boot of a living node. */
  boolean current() {
    return node.alive() && node.generation() == generation;
  }

  /** One lane: a queue drained on the world's thread; a task handed over while another runs waits its turn. */
  private final class SimLane implements Lane {
    private final String name;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean draining;

    SimLane(String name) {
      this.name = name;
    }

    @Override
    public void execute(Runnable task) {
      if (!current()) {
        return;
      }
      queue.add(task);
      if (!draining) {
        drain();
      }
    }

    private void drain() {
      draining = true;
      try {
        while (!queue.isEmpty()) {
          if (!current()) {
            queue.clear();
            return;
          }
          if (node.frozen()) {
            // A stopped JVM runs nothing: the rest waits for the thaw, in order.
            ArrayDeque<Runnable> held = new ArrayDeque<>(queue);
            queue.clear();
            node.afterThaw(() -> held.forEach(this::execute));
            return;
          }
          queue.poll().run();
        }
      } finally {
        draining = false;
      }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      Scheduler.Event e = world.scheduler().after(delay, node.name() + " " + name, () -> execute(task));
      return e::cancel;
    }
  }
}
