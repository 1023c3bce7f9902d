package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.BlackHoledMemberContract;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.NetnsLab;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link BlackHoledMemberContract} on a 3-server ZooKeeper ensemble, one server per network namespace,
 * each a JVM of its own ({@code QuorumPeerMain} from this test's class path, started with
 * {@code ip netns exec}). The black-holed server is the one the store's sessions are connected to.
 */
class ZooKeeperBlackHoleIT extends BlackHoledMemberContract {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private Path dataRoot;

  @AfterEach
  void deleteData() throws IOException {
    if (dataRoot != null) {
      try (var walk = Files.walk(dataRoot)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Override
  protected void startMembers(NetnsLab lab) throws Exception {
    dataRoot = Files.createTempDirectory("primus-zk-netns-");
    Path logs = Path.of("target", "zk-logs");
    Files.createDirectories(logs);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String servers = IntStream.range(0, lab.hosts())
        .mapToObj(i -> "server." + (i + 1) + "=" + lab.address(i) + ":2888:3888")
        .collect(Collectors.joining("\n"));
    for (int i = 0; i < lab.hosts(); i++) {
      Path dir = Files.createDirectories(dataRoot.resolve("s" + (i + 1)));
      Files.writeString(dir.resolve("myid"), Integer.toString(i + 1));
      Path cfg = dir.resolve("zoo.cfg");
      // A 200 ms tick: a follower that goes silent is dropped after syncLimit ticks (1 s); sessions up
      // to a minute are allowed, so the store's TTL-long sessions are granted as asked.
      Files.writeString(cfg, String.join("\n",
          "tickTime=200",
          "initLimit=50",
          "syncLimit=5",
          "dataDir=" + dir,
          "clientPort=2181",
          "clientPortAddress=" + lab.address(i),
          "maxSessionTimeout=60000",
          "4lw.commands.whitelist=srvr",
          "admin.enableServer=false",
          "standaloneEnabled=false",
          servers) + "\n");
      lab.start(i, List.of(java, "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dzookeeper.jmx.log4j.disable=true",
          "-cp", System.getProperty("java.class.path"),
          "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg.toString()),
          logs.resolve("netns-s" + (i + 1) + "-" + dataRoot.getFileName() + ".log"));
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    for (int i = 0; i < lab.hosts(); i++) {
      while (mode(lab.address(i)).filter(m -> m.equals("leader") || m.equals("follower")).isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("ZooKeeper at " + lab.address(i) + " not serving within " + START_TIMEOUT);
        }
        Thread.sleep(200);
      }
    }
  }

  @Override
  protected KeyValueStore newClient(NetnsLab lab, Duration ttl, Duration retryTimeout) {
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < lab.hosts(); i++) {
      hosts.add(lab.address(i) + ":2181");
    }
    return ZkServers.store(String.join(",", hosts), ttl, retryTimeout);
  }

  @Override
  protected KeyValueStore newClientOf(NetnsLab lab, int member, Duration ttl, Duration retryTimeout) {
    return ZkServers.store(lab.address(member) + ":2181", ttl, retryTimeout);
  }

  /** A lease whose session sits on the same server as the store's own session (a few tries). */
  @Override
  protected Lease grantLease(KeyValueStore client, Duration ttl) throws Exception {
    ZooKeeperKeyValueStore store = (ZooKeeperKeyValueStore) client;
    for (int i = 0; i < 30; i++) {
      Lease lease = client.grant(ttl);
      Map<String, InetSocketAddress> servers = store.connectedServers();
      if (servers.get("store") != null && servers.get("store").equals(servers.get("lease " + lease.id()))) {
        return lease;
      }
      client.revoke(lease);
    }
    throw new IllegalStateException("no lease session landed on the store session's server in 30 tries");
  }

  /** The server most of the store's sessions (its own and the lease's) are connected to. */
  @Override
  protected int memberToBlackHole(NetnsLab lab, KeyValueStore client) {
    Map<String, InetSocketAddress> servers = ((ZooKeeperKeyValueStore) client).connectedServers();
    int[] count = new int[lab.hosts()];
    int store = -1;
    for (Map.Entry<String, InetSocketAddress> e : servers.entrySet()) {
      for (int i = 0; i < lab.hosts(); i++) {
        if (lab.address(i).equals(e.getValue().getAddress().getHostAddress())) {
          count[i]++;
          if (e.getKey().equals("store")) {
            store = i;
          }
        }
      }
    }
    int best = store < 0 ? 0 : store;
    for (int i = 0; i < lab.hosts(); i++) {
      if (count[i] > count[best]) {
        best = i;
      }
    }
    System.out.printf("[black-hole] ZooKeeper sessions: %s; black-holing %s (%s)%n", servers, lab.address(best),
        mode(lab.address(best)).orElse("?"));
    return best;
  }

  private static Optional<String> mode(String address) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(address, 2181), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("srvr".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("Mode: ")) {
          return Optional.of(line.substring(6).trim());
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
