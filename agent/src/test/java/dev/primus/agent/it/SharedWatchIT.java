package dev.primus.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.AgentRuntime;
import dev.primus.agent.PrimusRuntime;
import dev.primus.dcs.etcd.EtcdHarnessForAgents;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The runtime's cluster watches on a real etcd: thirty clusters watched hold no thread (etcd's watch calls
 * back on its one gRPC stream), a change reaches only the listeners of its cluster with the key that
 * changed, and the watches come back by themselves after etcd was stopped and started again.
 */
class SharedWatchIT {
  private static final int CLUSTERS = 30;

  @Test
  void thirtyWatchedClustersHoldNoThreadAndSeeEveryChange() throws Exception {
    try (EtcdHarnessForAgents etcd = EtcdHarnessForAgents.start(1)) {
      ClassLoader cl = getClass().getClassLoader();
      KeyValueStore store = DcsProviders.load(cl).select("etcd3").create(new DcsSettings(Map.of("hosts", etcd.hosts()),
          Duration.ofSeconds(10), Duration.ofSeconds(3), cl));
      PrimusRuntime runtime = PrimusRuntime.create();
      List<BlockingQueue<Set<String>>> seen = new ArrayList<>();
      List<AgentRuntime.Subscription> subscriptions = new ArrayList<>();
      try {
        for (int i = 0; i < CLUSTERS; i++) {
          BlockingQueue<Set<String>> q = new LinkedBlockingQueue<>();
          seen.add(q);
          store.put(prefix(i) + "config", "{}", Optional.empty());
          subscriptions.add(runtime.watch(store, prefix(i), Duration.ofSeconds(5), q::add));
        }
        // Let the watches register and the workers that did it go idle.
        Thread.sleep(2_000);
        long watchThreads = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("primus-watch")).count();
        assertEquals(0, watchThreads, "no thread parked in a watch");
        // Workers the registrations started linger idle for a while (the pool's keep-alive); none may be busy.
        List<String> busy = Thread.getAllStackTraces().entrySet().stream()
            .filter(e -> e.getKey().getName().startsWith("primus-worker-"))
            .filter(e -> Arrays.stream(e.getValue()).noneMatch(f -> f.getMethodName().equals("getTask")))
            .map(e -> e.getKey().getName() + " " + Arrays.toString(e.getValue())).toList();
        assertEquals(List.of(), busy, "workers doing something with " + CLUSTERS + " idle watches");
        System.out.println("runtime threads with " + CLUSTERS + " watched clusters: " + runtime.threads()
            + " (the timer and idle workers)");

        store.put(prefix(7) + "leader", "m7", Optional.empty());
        assertEquals(Set.of("leader"), seen.get(7).poll(5, TimeUnit.SECONDS), "cluster 7's listener after a put");
        Thread.sleep(500);
        for (int i = 0; i < CLUSTERS; i++) {
          assertNull(seen.get(i).poll(), "cluster " + i + " heard of a change (again)");
        }

        etcd.stopAll();
        Thread.sleep(4_000); // past the store's retry timeout: the watches fail and start over
        etcd.restartAll();
        long back = System.nanoTime();
        putRetrying(store, prefix(3) + "leader", "m3");
        Set<String> got = seen.get(3).poll(30, TimeUnit.SECONDS);
        System.out.printf("after an etcd restart: the change seen %.1f s after etcd was back%n",
            (System.nanoTime() - back) / 1e9);
        assertEquals(Set.of("leader"), got, "cluster 3's listener after etcd came back");
      } finally {
        subscriptions.forEach(AgentRuntime.Subscription::close);
        runtime.close();
        store.close();
      }
    }
  }

  /** The client reconnects with backoff: its first request after the restart may still be refused. */
  private static void putRetrying(KeyValueStore store, String key, String value) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        store.put(key, value, Optional.empty());
        return;
      } catch (DcsException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private static String prefix(int i) {
    return "/service/watched-" + i + "/";
  }
}
