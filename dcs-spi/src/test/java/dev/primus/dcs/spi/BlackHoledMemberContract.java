package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.primus.dcs.spi.Watchable.PendingChange;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract kit's network-fault check: a store whose cluster loses ONE member to a black hole
 * (every packet to and from it dropped by {@code iptables}, the member still running) keeps working
 * through the others, which still have a quorum (issue 11: the etcd client stayed on the silent member
 * and the primary demoted).
 *
 * <p>The subclass starts one server per host of a {@link NetnsLab} ({@value #MEMBERS} network namespaces
 * on a bridge; the test JVM reaches them from the root namespace) and builds clients. The check then
 * black-holes the member {@link #memberToBlackHole} names and, for {@link #faultDuration()}, checks:
 * <ul>
 *   <li>the lease is renewed ({@code keepAlive} every {@code retryTimeout / 6}) without a gap longer than
 *       {@code retryTimeout} between two successful renewals, and is alive at the end;</li>
 *   <li>the leader key is re-written with a compare-value-and-set every {@code retryTimeout / 6}, reads,
 *       a compare-and-set and a create-if-absent succeed, each within {@code retryTimeout};</li>
 *   <li>watches opened before the fault (one per member, opened back to back so a balancing client
 *       spreads them) on a prefix nothing else writes to see a change made through a client of a
 *       healthy member within {@link #watchBound()}, re-reading and watching again after each wake-up
 *       as the agent does.</li>
 * </ul>
 * It prints the figures: the first answered request after the fault, the slowest request, the longest
 * renewal gap and the watch recovery time. It skips, saying why, when {@link NetnsLab#unavailable()}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class BlackHoledMemberContract {
  protected static final int MEMBERS = 3;

  /** Starts one server per host of {@code lab} and returns when the cluster serves clients. */
  protected abstract void startMembers(NetnsLab lab) throws Exception;

  /** A client of every member, as production configures it, with the given timing. */
  protected abstract KeyValueStore newClient(NetnsLab lab, Duration ttl, Duration retryTimeout) throws Exception;

  /** A client of host {@code member}'s server only. */
  protected abstract KeyValueStore newClientOf(NetnsLab lab, int member, Duration ttl, Duration retryTimeout)
      throws Exception;

  /**
   * The member to black-hole: one whose loss the client must survive without help from the cluster
   * (a follower for etcd; the server a ZooKeeper session is connected to).
   */
  protected abstract int memberToBlackHole(NetnsLab lab, KeyValueStore client) throws Exception;

  /**
   * The lease the check keeps alive. A store whose leases have connections of their own (ZooKeeper: a
   * session per lease) should return one connected to the same member as the store's own connection,
   * so that black-holing that member tests both.
   */
  protected Lease grantLease(KeyValueStore client, Duration ttl) throws Exception {
    return client.grant(ttl);
  }

  /** The lease TTL (and session timeout) of the clients; Patroni's setup in issue 11 used ttl 20. */
  protected Duration ttl() {
    return Duration.ofSeconds(10);
  }

  /** Patroni's {@code retry_timeout} of the clients; issue 11's setup used 3 s. */
  protected Duration retryTimeout() {
    return Duration.ofSeconds(3);
  }

  /** How soon after the change every watch must have seen it. */
  protected Duration watchBound() {
    return retryTimeout().multipliedBy(2);
  }

  /** How long the member stays black-holed: past gRPC's and ZooKeeper's own dead-connection detection. */
  protected Duration faultDuration() {
    return Duration.ofSeconds(20);
  }

  @Test
  public final void aBlackHoledMemberIsRoutedAround() throws Exception {
    Optional<String> why = NetnsLab.unavailable();
    assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElse(""));
    Duration ttl = ttl();
    Duration retry = retryTimeout();
    List<AutoCloseable> closing = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    try (NetnsLab lab = NetnsLab.create(MEMBERS)) {
      startMembers(lab);
      KeyValueStore client = newClient(lab, ttl, retry);
      closing.add(client);
      String prefix = "/primus-blackhole-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16) + "/";
      String leader = prefix + "leader";
      String config = prefix + "config";
      Lease lease = grantLease(client, ttl);
      assertInstanceOf(WriteResult.Written.class, client.createIfAbsent(leader, "me", Optional.of(lease)));
      WriteResult.Written cfg = assertInstanceOf(WriteResult.Written.class,
          client.createIfAbsent(config, "v0", Optional.empty()));
      for (int i = 0; i < 2 * MEMBERS; i++) {
        client.read(prefix); // a connection to every member
      }
      int victim = memberToBlackHole(lab, client);
      int healthy = (victim + 1) % MEMBERS;
      KeyValueStore other = newClientOf(lab, healthy, ttl, retry);
      closing.add(other);

      // Watches, opened back to back before the fault, on a prefix nothing else writes to: a stream on the
      // black-holed member must be noticed although no event is due.
      String watched = prefix + "watched/";
      Snapshot before = client.read(watched);
      Watchable watch = client.watcher().orElse(new PollingWatch(client, Duration.ofMillis(200)));
      AtomicLong changedAt = new AtomicLong();
      List<Long> watchLatencies = Collections.synchronizedList(new ArrayList<>());
      List<String> watchErrors = Collections.synchronizedList(new ArrayList<>());
      List<Optional<PendingChange>> first = new ArrayList<>();
      for (int i = 0; i < MEMBERS; i++) {
        first.add(watch.awaitChangeAsync(watched, before.revision()));
      }
      for (Optional<PendingChange> p : first) {
        p.ifPresent(closing::add);
        threads.add(start("watch", () -> followChanges(client, watch, watched, before.revision(), p, changedAt,
            stop, watchLatencies, watchErrors)));
      }

      // The agent's background traffic: lease renewal and leader-key update.
      Duration every = retry.dividedBy(6);
      List<Long> renewals = Collections.synchronizedList(new ArrayList<>());
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      AtomicLong slowest = new AtomicLong();
      threads.add(start("renew", () -> repeat(stop, every, failures, slowest, "keepAlive", () -> {
        KeepAliveResult r = client.keepAlive(lease);
        assertInstanceOf(KeepAliveResult.Alive.class, r, "the lease expired");
        renewals.add(System.nanoTime());
      })));
      threads.add(start("leader", () -> repeat(stop, every, failures, slowest, "update leader", () ->
          assertInstanceOf(WriteResult.Written.class, client.compareValueAndSet(leader, "me", "me",
              Optional.of(lease)), "the leader key was lost"))));
      Thread.sleep(2_000);

      long t0 = System.nanoTime();
      lab.blackHole(victim);
      System.out.printf("[black-hole] %s: member %d (%s) black-holed%n", getClass().getSimpleName(), victim,
          lab.address(victim));
      Snapshot s = timed(retry, failures, slowest, "read", () -> client.read(prefix));
      long firstAnswer = System.nanoTime() - t0;
      long cas = System.nanoTime();
      assertInstanceOf(WriteResult.Written.class, timed(retry, failures, slowest, "compare-and-set",
          () -> client.compareAndSet(config, "v1", cfg.version(), Optional.empty())));
      long casMs = millis(System.nanoTime() - cas);
      assertInstanceOf(WriteResult.Written.class, timed(retry, failures, slowest, "create",
          () -> client.createIfAbsent(prefix + "created", "x", Optional.empty())));
      for (int i = 0; i < 2 * MEMBERS; i++) {
        timed(retry, failures, slowest, "read", () -> client.read(prefix));
      }
      assertTrue(s.get(leader).isPresent(), "the leader key is missing from a read during the fault");

      // A change through a healthy member; every watch must see it.
      changedAt.set(System.nanoTime());
      other.put(watched + "changed", "yes", Optional.empty());
      long watchDeadline = changedAt.get() + watchBound().toNanos();
      while (watchLatencies.size() + watchErrors.size() < MEMBERS && System.nanoTime() < watchDeadline) {
        Thread.sleep(20);
      }
      long remaining = t0 + faultDuration().toNanos() - System.nanoTime();
      if (remaining > 0) {
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(remaining));
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(retry.toMillis() * 2);
      }
      renewals.add(System.nanoTime());
      long longestGap = 0;
      synchronized (renewals) {
        for (int i = 1; i < renewals.size(); i++) {
          if (renewals.get(i - 1) >= t0 - TimeUnit.SECONDS.toNanos(1)) {
            longestGap = Math.max(longestGap, renewals.get(i) - renewals.get(i - 1));
          }
        }
      }
      long watchMax = watchLatencies.stream().mapToLong(Long::longValue).max().orElse(-1);
      System.out.printf("[black-hole] %s: first answer after the black-hole %d ms; compare-and-set %d ms;"
              + " slowest request %d ms (retry_timeout %d ms); longest gap between lease renewals %d ms"
              + " (renewal every %d ms, %d renewals); watches saw the change after %s ms (bound %d ms)%n",
          getClass().getSimpleName(), millis(firstAnswer), casMs, millis(slowest.get()), retry.toMillis(),
          millis(longestGap), every.toMillis(), renewals.size(), watchLatencies.stream().map(n -> millis(n))
              .toList(), watchBound().toMillis());

      assertEquals(List.of(), failures, "requests failed or took longer than retry_timeout while one member"
          + " was black-holed");
      assertTrue(longestGap <= retry.toNanos(), "the lease went " + millis(longestGap)
          + " ms without a renewal, more than retry_timeout " + retry.toMillis() + " ms");
      assertEquals(List.of(), watchErrors, "watches failed");
      assertEquals(MEMBERS, watchLatencies.size(), "only " + watchLatencies.size() + " of " + MEMBERS
          + " watches saw a change made through a healthy member within " + watchBound().toMillis() + " ms");
      assertTrue(watchMax <= watchBound().toNanos(), "a watch saw the change after " + millis(watchMax) + " ms");
      assertInstanceOf(KeepAliveResult.Alive.class, client.keepAlive(lease), "the lease did not survive");
      assertEquals(Optional.of(lease.id()), other.read(prefix).get(leader).flatMap(KeyValue::leaseId),
          "the leader key is not held by the lease any more");
      lab.heal(victim);
    } finally {
      stop.set(true);
      for (AutoCloseable c : closing) {
        try {
          c.close();
        } catch (Exception e) {
          // Closing is best effort; the lab goes anyway.
        }
      }
      for (Thread t : threads) {
        t.join(10_000);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  @FunctionalInterface
  private interface Request<T> {
    T run() throws Exception;
  }

  private static Thread start(String name, Step body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "black-hole-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void repeat(AtomicBoolean stop, Duration every, List<String> failures, AtomicLong slowest,
      String what, Step step) throws InterruptedException {
    while (!stop.get()) {
      long started = System.nanoTime();
      try {
        step.run();
        slowest.accumulateAndGet(System.nanoTime() - started, Math::max);
      } catch (Exception | AssertionError e) {
        if (!stop.get()) {
          failures.add(what + " after " + millis(System.nanoTime() - started) + " ms: " + e);
        }
      }
      long left = every.toNanos() - (System.nanoTime() - started);
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
    }
  }

  private static <T> T timed(Duration bound, List<String> failures, AtomicLong slowest, String what,
      Request<T> request) throws Exception {
    long started = System.nanoTime();
    T result = request.run();
    long took = System.nanoTime() - started;
    slowest.accumulateAndGet(took, Math::max);
    if (took > bound.toNanos()) {
      failures.add(what + " took " + millis(took) + " ms");
    }
    return result;
  }

  /**
   * What the agent's watch does: wait, re-read on a wake-up (spurious or not), wait again from the new
   * revision, until the read shows the change; records how long after the change that was.
   */
  private static void followChanges(KeyValueStore client, Watchable watch, String prefix, long since,
      Optional<PendingChange> firstWait, AtomicLong changedAt, AtomicBoolean stop, List<Long> latencies,
      List<String> errors) {
    long revision = since;
    Optional<PendingChange> pending = firstWait;
    try {
      while (!stop.get()) {
        try {
          if (pending.isPresent()) {
            CompletableFuture<WatchOutcome> f = pending.get().outcome().toCompletableFuture();
            try {
              while (!stop.get()) {
                try {
                  f.get(500, TimeUnit.MILLISECONDS);
                  break;
                } catch (TimeoutException e) {
                  pending.get().check();
                }
              }
            } finally {
              pending.get().close();
              pending = Optional.empty();
            }
          } else if (watch.awaitChange(prefix, revision, Duration.ofSeconds(1)) == WatchOutcome.TIMED_OUT) {
            continue;
          }
        } catch (ExecutionException | DcsException e) {
          // A failed watch: the agent starts over with a read, and so does this.
          Thread.sleep(100);
        }
        Snapshot s;
        try {
          s = client.read(prefix);
        } catch (DcsException e) {
          continue;
        }
        revision = s.revision();
        long at = changedAt.get();
        if (at != 0 && s.get(prefix + "changed").isPresent()) {
          latencies.add(System.nanoTime() - at);
          return;
        }
        try {
          pending = watch.awaitChangeAsync(prefix, revision);
        } catch (DcsException e) {
          pending = Optional.empty();
        }
      }
    } catch (Exception e) {
      errors.add("watch failed: " + e);
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
