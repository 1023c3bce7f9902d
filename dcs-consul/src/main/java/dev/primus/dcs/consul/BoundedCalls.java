package dev.primus.dcs.consul;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs blocking consul-client calls with a hard deadline.
 *
 * <p>consul-client only exposes OkHttp's per-operation socket timeouts (connect, read, write), so one
 * call can take several of them back to back, and it never hands out the OkHttp {@code Call} to
 * cancel. Each call therefore runs on a worker thread while the caller waits at most its deadline;
 * past it the caller gets a timeout at once and the worker is interrupted, its socket timeouts bounding
 * how long it lingers.
 */
final class BoundedCalls implements AutoCloseable {
  private final ExecutorService workers;

  BoundedCalls(String name) {
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Runs {@code call}, waiting at most {@code deadline}.
   *
   * @throws ExecutionException wrapping what {@code call} threw
   * @throws TimeoutException if the deadline passed first (the call is cancelled)
   * @throws InterruptedException if the caller was interrupted while waiting (the call is cancelled)
   */
  <T> T run(Callable<T> call, Duration deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    Future<T> future = workers.submit(call);
    try {
      return future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | InterruptedException e) {
      future.cancel(true);
      throw e;
    }
  }

  boolean isClosed() {
    return workers.isShutdown();
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}
