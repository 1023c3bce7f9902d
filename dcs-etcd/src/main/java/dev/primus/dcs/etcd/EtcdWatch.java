package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.ConnectionTracker;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.Watchable;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The native prefix watch: one etcd watch per {@link #awaitChange} or {@link #awaitChangeAsync} call, started at
 * {@code sinceRevision + 1}, so etcd itself replays any change the caller has not seen yet and none can
 * be missed between the caller's read and the watch.
 *
 * <p>jetcd re-opens a broken watch stream by itself (resuming from the last revision it delivered). The
 * wait fails with a {@link DcsException} only when the watch has not been (re)established for
 * {@code retryTimeout}, or when it ends the wait on an error it will not retry ({@code no leader},
 * authentication); a compacted start revision is reported as a change, so the caller re-reads.
 *
 * <p>A member whose packets are dropped reports no error at all: its stream just falls silent, and
 * gRPC's keep-alive ping notices only after 10 s and more. So every open watch asks etcd for a progress
 * notification ({@code WatchProgressRequest}, etcd 3.4+) every {@code probeInterval} (a third of the
 * retry timeout) and is deemed silent when a whole interval after such a request passed without
 * anything on its stream (no answer, no event, no error). A silent watch reports
 * {@link WatchOutcome#CHANGED} (spurious changes are allowed): the caller re-reads, which its request
 * attempts route to a member that answers, and watches again on a new stream, which the round-robin
 * balancer places on the next member (passing over a member that just left a request unanswered). etcd
 * answers progress requests since 3.4 (Debian 12 ships 3.4.23); an older server would make a watch on a
 * quiet prefix wake spuriously every two intervals, costing a read each time.
 */
final class EtcdWatch implements Watchable {
  private final EtcdKeyValueStore store;
  private final Watch client;
  private final ConnectionTracker tracker;
  private final Duration retryTimeout;
  private final long probeNanos;

  EtcdWatch(EtcdKeyValueStore store, Watch client, ConnectionTracker tracker, Duration retryTimeout,
      Duration probeInterval) {
    this.store = store;
    this.client = client;
    this.tracker = tracker;
    this.retryTimeout = retryTimeout;
    this.probeNanos = Math.max(1, probeInterval.toNanos());
  }

  @Override
  public WatchOutcome awaitChange(String prefix, long sinceRevision, Duration timeout)
      throws DcsException, InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    String what = "watch " + prefix;
    Listener listener = new Listener(what);
    long waitNanos = Math.max(0, timeout.toNanos());
    Watch.Watcher watcher = open(prefix, sinceRevision, listener);
    try {
      long deadline = System.nanoTime() + waitNanos;
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        // Wake at least every retryTimeout to notice a watch that stays broken.
        long slice = Math.min(left, retryTimeout.toNanos());
        try {
          return listener.outcome.get(slice, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          listener.failIfBrokenFor(retryTimeout.toNanos());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof DcsException d) {
            throw d;
          }
          throw EtcdErrors.classify(e.getCause(), false, what);
        }
      }
      // Time is up. A watch that never got established cannot vouch for "no change".
      DcsException broken = listener.brokenError();
      if (broken != null) {
        throw broken;
      }
      return WatchOutcome.TIMED_OUT;
    } finally {
      watcher.close();
    }
  }

  /**
   * The same watch without a thread: jetcd's listener completes the outcome on its own executor. All
   * these waits share the client's one gRPC watch stream.
   */
  @Override
  public Optional<PendingChange> awaitChangeAsync(String prefix, long sinceRevision) throws DcsException {
    Listener listener = new Listener("watch " + prefix);
    Watch.Watcher watcher = open(prefix, sinceRevision, listener);
    long brokenLimit = retryTimeout.toNanos();
    return Optional.of(new PendingChange() {
      @Override
      public CompletionStage<WatchOutcome> outcome() {
        return listener.outcome;
      }

      @Override
      public void check() {
        listener.failIfBrokenFor(brokenLimit);
      }

      @Override
      public void close() {
        watcher.close();
      }
    });
  }

  private Watch.Watcher open(String prefix, long sinceRevision, Listener listener) throws DcsException {
    Objects.requireNonNull(prefix, "prefix");
    String what = "watch " + prefix;
    store.ensureOpen(what);
    store.beforeRequest();
    WatchOption option = WatchOption.builder()
        .isPrefix(true)
        .withRevision(sinceRevision > 0 ? sinceRevision + 1 : 0)
        .withCreateNotify(true)
        // A member cut off from its cluster would otherwise keep the stream open and report nothing.
        .withRequireLeader(true)
        .build();
    Watch.Watcher watcher;
    try {
      watcher = client.watch(EtcdKeyValueStore.bytes(prefix), option, listener);
    } catch (RuntimeException e) {
      // The client was closed under us.
      throw EtcdErrors.classify(e, false, what);
    }
    listener.startProbing(watcher);
    return watcher;
  }

  /** Collects what jetcd reports for one watch. */
  private final class Listener implements Watch.Listener {
    final CompletableFuture<WatchOutcome> outcome = new CompletableFuture<>();
    private final String what;
    // Guarded by this: the start of the current run of errors without a (re)created watch.
    private boolean broken;
    private long brokenSince;
    private DcsException lastError;
    // Guarded by this: the silence probe (see the class comment). Activity is anything jetcd reports.
    private long lastActivity = System.nanoTime();
    private long probeSentAt;
    private boolean probeSent;
    private Watch.Watcher watcher;

    Listener(String what) {
      this.what = what;
    }

    void startProbing(Watch.Watcher w) {
      synchronized (this) {
        watcher = w;
      }
      scheduleProbe();
    }

    /**
     * On the JDK's one shared delay thread, run there directly: a probe only writes to the stream, and
     * without an executor of its own the delayed task would get a new thread each time on a small
     * machine (the common pool has no parallelism there).
     */
    private void scheduleProbe() {
      if (!outcome.isDone()) {
        CompletableFuture.delayedExecutor(probeNanos, TimeUnit.NANOSECONDS, Runnable::run).execute(this::probe);
      }
    }

    /** Ends a silent watch with a spurious change, or asks etcd for progress and looks again later. */
    private void probe() {
      if (outcome.isDone()) {
        return;
      }
      long now = System.nanoTime();
      Watch.Watcher w;
      boolean silent;
      synchronized (this) {
        w = watcher;
        // Nothing at all (no event, no answer, no error) since the last probe, a whole interval ago.
        silent = probeSent && lastActivity - probeSentAt < 0 && now - probeSentAt >= probeNanos;
        if (!silent) {
          probeSent = true;
          probeSentAt = now;
        }
      }
      if (silent) {
        outcome.complete(WatchOutcome.CHANGED);
        return;
      }
      try {
        w.requestProgress();
      } catch (RuntimeException e) {
        // The watcher or the client was closed meanwhile; onCompleted ends the wait.
      }
      scheduleProbe();
    }

    @Override
    public void onNext(WatchResponse response) {
      synchronized (this) {
        lastActivity = System.nanoTime();
      }
      if (!response.getEvents().isEmpty()) {
        tracker.answered();
        outcome.complete(WatchOutcome.CHANGED);
      } else if (response.isCreatedNotify()) {
        tracker.answered();
        synchronized (this) {
          broken = false;
          lastError = null;
        }
      }
    }

    @Override
    public void onError(Throwable error) {
      if (error instanceof CompactedException) {
        // Changes after sinceRevision were compacted away: something changed; the caller re-reads.
        tracker.answered();
        outcome.complete(WatchOutcome.CHANGED);
        return;
      }
      synchronized (this) {
        lastActivity = System.nanoTime();
      }
      DcsException classified = EtcdErrors.classify(error, false, what);
      if (EtcdErrors.serverAnswered(classified.kind())) {
        tracker.answered();
      } else {
        tracker.unreachable(tracker.now());
      }
      if (!resumes(error)) {
        outcome.completeExceptionally(classified);
        return;
      }
      synchronized (this) {
        if (!broken) {
          broken = true;
          brokenSince = System.nanoTime();
        }
        lastError = classified;
      }
    }

    @Override
    public void onCompleted() {
      // Called when the watcher is closed, by us or by the client's close().
      outcome.completeExceptionally(new DcsException(Kind.UNAVAILABLE, what + ": the watch was closed"));
    }

    synchronized void failIfBrokenFor(long nanos) {
      if (broken && System.nanoTime() - brokenSince >= nanos) {
        outcome.completeExceptionally(lastError);
      }
    }

    synchronized DcsException brokenError() {
      return broken ? lastError : null;
    }
  }

  /**
   * Whether jetcd re-opens the watch after {@code error} (its rule: UNAVAILABLE or INTERNAL, but not
   * {@code no leader}); otherwise it has closed the watch for good.
   */
  private static boolean resumes(Throwable error) {
    if (!(error instanceof EtcdException e)) {
      return true;
    }
    return switch (e.getErrorCode()) {
      case UNAVAILABLE -> e.getMessage() == null || !e.getMessage().contains("no leader");
      case INTERNAL -> true;
      default -> false;
    };
  }
}
