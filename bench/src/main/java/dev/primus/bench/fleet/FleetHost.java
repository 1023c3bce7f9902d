package dev.primus.bench.fleet;

import dev.primus.agent.HaSettings;
import dev.primus.agent.PrimusAgent;
import dev.primus.agent.PrimusRuntime;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One JVM of the fleet benchmark: members {@code from .. from+count-1} (member {@code i} belongs to cluster
 * {@code i / 3}), each a real {@link PrimusAgent} on one shared {@link PrimusRuntime} and one etcd store, each
 * over a {@link StandInDatabase}. Prints {@code ready} once every cluster has its leader and every member its
 * role; on {@code measure <seconds>} from stdin it measures itself over that many idle seconds and prints
 * {@code result <heap after GC, bytes> <threads> <CPU seconds> <RSS, kB>}; {@code exit} ends it.
 *
 * <p>Arguments: {@code <etcd host:port> <namespace> <from> <count> <ttl> <loop_wait> <retry_timeout>}.
 */
public final class FleetHost {
  private FleetHost() {}

  public static void main(String[] args) throws Exception {
    String hosts = args[0];
    String namespace = args[1];
    int from = Integer.parseInt(args[2]);
    int count = Integer.parseInt(args[3]);
    int ttl = Integer.parseInt(args[4]);
    int loopWait = Integer.parseInt(args[5]);
    int retryTimeout = Integer.parseInt(args[6]);
    ClassLoader cl = FleetHost.class.getClassLoader();
    PrimusRuntime runtime = PrimusRuntime.create();
    KeyValueStore store = DcsProviders.load(cl).select("etcd3").create(new DcsSettings(Map.of("hosts", hosts),
        Duration.ofSeconds(ttl), Duration.ofSeconds(retryTimeout), cl));
    HaSettings settings = HaSettings.defaults().withBootstrapDcs(new DynamicConfig(Map.of("ttl", ttl, "loop_wait",
        loopWait, "retry_timeout", retryTimeout)));
    List<PrimusAgent> agents = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      PrimusAgent a = PrimusAgent.builder()
          .cluster("c" + (i / 3), namespace)
          .member("m" + i, "http://127.0.0.1:1/fleet/m" + i, "postgres://127.0.0.1:5432/m" + i)
          .store(store)
          .database(new StandInDatabase())
          .ha(settings)
          .runtime(runtime)
          .build();
      agents.add(a);
    }
    // A bootstrapping member must be first in its cluster, or the others would wait for it a loop_wait.
    agents.forEach(PrimusAgent::start);
    long deadline = System.nanoTime() + Duration.ofSeconds(300).toNanos();
    while (!agents.stream().allMatch(a -> a.status().role() == MemberRole.PRIMARY
        || (a.status().role() == MemberRole.REPLICA && a.status().local().isRunning()))) {
      if (System.nanoTime() > deadline) {
        System.out.println("failed: not every member has its role after 300 s");
        System.exit(1);
      }
      Thread.sleep(200);
    }
    System.out.println("ready");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.startsWith("measure ")) {
        int seconds = Integer.parseInt(line.substring(8).trim());
        System.out.println(measure(seconds));
        System.out.flush();
      } else if (line.equals("exit")) {
        break;
      }
    }
    System.exit(0);
  }

  private static String measure(int seconds) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    Thread.sleep(seconds * 1000L);
    long cpu1 = os.getProcessCpuTime();
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    System.gc();
    long heap = mem.getHeapMemoryUsage().getUsed();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    // Which threads: to stderr (the host's log), for the reader who wants to know where they come from.
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    Thread.getAllStackTraces().keySet().forEach(t -> byName.merge(t.getName().replaceAll("[0-9]+", "#"), 1L, Long::sum));
    System.err.println("threads by name: " + byName);
    return "result " + heap + " " + threads.getThreadCount() + " " + ((cpu1 - cpu0) / 1e9) + " " + rssKb();
  }

  static long rssKb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (Exception e) {
      // not Linux: no figure
    }
    return -1;
  }
}
