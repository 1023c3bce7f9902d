package dev.primus.agent;

import dev.primus.dcs.spi.KeyValueStore;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The threads every agent of a JVM shares: one timer thread that only hands due tasks over, a pool of
 * worker threads that grows with the work in flight and shrinks when idle (a lane runs on it one task at a
 * time; blocking calls and long database actions take a worker while they run), one watch per DCS store
 * and cluster prefix however many members watch it (holding no thread on a store with an asynchronous
 * watch), and one HTTP client for peer queries, created when
 * first needed. Members running in the same runtime answer each other's peer queries without the network.
 *
 * <p>An idle agent holds no thread of its own. {@link #close()} stops every thread this runtime started
 * (close the agents first). The worker threads are daemons; the log lines a lane writes carry the member
 * name in SLF4J's MDC key {@code member}.
 */
public final class PrimusRuntime implements AgentRuntime, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PrimusRuntime.class);
  /** How long an idle worker thread lives. */
  static final Duration WORKER_IDLE = Duration.ofSeconds(30);

  private final Clock clock;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor workers;
  private final Map<String, PrimusAgent> local = new ConcurrentHashMap<>();
  private final Map<KeyValueStore, Map<String, SharedWatch>> watches = new IdentityHashMap<>();
  private final Object httpLock = new Object();
  private HttpClient http;
  private final PeerClient peers;
  private volatile boolean closed;

  private PrimusRuntime(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timer = new ScheduledThreadPoolExecutor(1, named("primus-timer", new AtomicInteger()));
    this.timer.setRemoveOnCancelPolicy(true);
    this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, WORKER_IDLE.toMillis(), TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(), named("primus-worker-", new AtomicInteger(1)));
    this.peers = peerClient(this::defaultHttpClient);
  }

  /** A runtime on the system clock. */
  public static PrimusRuntime create() {
    return new PrimusRuntime(Clock.systemUTC());
  }

  /** A runtime on {@code clock} (tests). */
  public static PrimusRuntime create(Clock clock) {
    return new PrimusRuntime(clock);
  }

  private static ThreadFactory named(String prefix, AtomicInteger counter) {
    return r -> {
      int n = counter.getAndIncrement();
      Thread t = new Thread(r, n == 0 && !prefix.endsWith("-") ? prefix : prefix + n);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public Lane newLane(String name) {
    return new SerialLane(name);
  }

  @Override
  public <T> CompletionStage<T> call(Callable<T> blocking) {
    // The caller is a lane task on a worker thread already: run it there rather than hop.
    try {
      return CompletableFuture.completedFuture(blocking.call());
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Off the lane, on a worker, so that the lane can go on when {@code limit} has passed. */
  @Override
  public <T> CompletionStage<T> callWithin(Duration limit, Callable<T> blocking) {
    CompletableFuture<T> f = background(blocking).toCompletableFuture();
    if (f.isDone()) {
      return f;
    }
    try {
      ScheduledFuture<?> bound = timer.schedule(() -> f.completeExceptionally(new java.util.concurrent.TimeoutException(
          "no answer within " + limit.toMillis() + " ms")), limit.toMillis(), TimeUnit.MILLISECONDS);
      f.whenComplete((v, e) -> bound.cancel(false));
    } catch (RejectedExecutionException e) {
      // closing: the call ends by itself
    }
    return f;
  }

  @Override
  public <T> CompletionStage<T> background(Callable<T> blocking) {
    CompletableFuture<T> f = new CompletableFuture<>();
    String member = MDC.get("member");
    try {
      workers.execute(() -> {
        if (member != null) {
          MDC.put("member", member);
        }
        try {
          f.complete(blocking.call());
        } catch (Throwable e) {
          f.completeExceptionally(e);
        } finally {
          MDC.remove("member");
        }
      });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException("the runtime is closed", e));
    }
    return f;
  }

  @Override
  public PeerClient peers() {
    return peers;
  }

  /**
   * A peer client that asks over HTTP with {@code client} (its SSL context decides how HTTPS members are
   * trusted, e.g. Patroni's {@code ctl.cacert} or {@code ctl.insecure}), and answers for members of this
   * runtime directly.
   */
  public PeerClient peerClient(HttpClient client) {
    Objects.requireNonNull(client, "client");
    return peerClient(() -> client);
  }

  private PeerClient peerClient(java.util.function.Supplier<HttpClient> client) {
    return new RuntimePeers(this::localAgent, client, PeerClient.TIMEOUT);
  }

  private HttpClient defaultHttpClient() {
    synchronized (httpLock) {
      if (http == null) {
        // The client's own executor, not the workers: a request still in flight when the runtime closes must
        // be able to finish, or the client (and its selector thread) would never be released.
        http = HttpClient.newBuilder().connectTimeout(PeerClient.TIMEOUT).followRedirects(HttpClient.Redirect.NEVER)
            .build();
      }
      return http;
    }
  }

  private Optional<PrimusAgent> localAgent(String apiUrl) {
    return Optional.ofNullable(local.get(apiUrl));
  }

  @Override
  public void register(PrimusAgent agent) {
    local.put(agent.apiUrl(), agent);
  }

  @Override
  public void unregister(PrimusAgent agent) {
    local.remove(agent.apiUrl(), agent);
  }

  @Override
  public Subscription watch(KeyValueStore store, String prefix, Duration pollInterval, Consumer<Set<String>> changed) {
    SharedWatch w;
    synchronized (watches) {
      if (closed) {
        throw new IllegalStateException("the runtime is closed");
      }
      w = watches.computeIfAbsent(store, s -> new ConcurrentHashMap<>())
          .computeIfAbsent(prefix, p -> new SharedWatch(store, p, pollInterval, workers, timer));
      w.add(changed);
    }
    SharedWatch shared = w;
    return () -> {
      synchronized (watches) {
        if (shared.remove(changed)) {
          Map<String, SharedWatch> byPrefix = watches.get(store);
          byPrefix.remove(prefix, shared);
          if (byPrefix.isEmpty()) {
            watches.remove(store);
          }
        }
      }
    };
  }

  /** Threads this runtime runs now (the worker pool's live threads, among them blocking watches, and the timer). */
  public int threads() {
    return workers.getPoolSize() + timer.getPoolSize();
  }

  /** Stops the timer, the workers and the watches; waits up to 5 s for running tasks to end. */
  @Override
  public void close() {
    List<SharedWatch> all = new ArrayList<>();
    synchronized (watches) {
      closed = true;
      watches.values().forEach(m -> all.addAll(m.values()));
      watches.clear();
    }
    all.forEach(SharedWatch::stop);
    synchronized (httpLock) {
      // The JDK's client has no close() before Java 21: its selector thread ends once the client is unreachable.
      http = null;
    }
    timer.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
        workers.shutdownNow();
        workers.awaitTermination(2, TimeUnit.SECONDS);
      }
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A lane: tasks queue up and one worker at a time runs them, in order. An idle lane holds no thread. A
   * task that throws is logged and the lane goes on.
   */
  private final class SerialLane implements Lane {
    private final String name;
    private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
    private boolean draining;

    SerialLane(String name) {
      this.name = name;
    }

    @Override
    public void execute(Runnable task) {
      Objects.requireNonNull(task, "task");
      synchronized (queue) {
        queue.add(task);
        if (draining) {
          return;
        }
        draining = true;
      }
      try {
        workers.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (queue) {
          queue.clear();
          draining = false;
        }
      }
    }

    private void drain() {
      MDC.put("member", name);
      try {
        while (true) {
          Runnable next;
          synchronized (queue) {
            next = queue.poll();
            if (next == null) {
              draining = false;
              return;
            }
          }
          try {
            next.run();
          } catch (Throwable t) {
            LOG.error("a task of {} failed", name, t);
          }
        }
      } finally {
        MDC.remove("member");
      }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      try {
        ScheduledFuture<?> f = timer.schedule(() -> execute(task), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      } catch (RejectedExecutionException e) {
        return () -> { };
      }
    }

    @Override
    public String toString() {
      return "lane " + name;
    }
  }
}
