package dev.primus.dcs.zookeeper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

/**
 * Real ZooKeeper servers in the test JVM (Curator's curator-test), on loopback ports and temporary
 * directories.
 *
 * <p>A 50 ms tick lets sessions be as short as 100 ms, so expiry tests take about a second; the upper
 * bound is raised so a store may also ask for long sessions.
 */
final class ZkServers {
  static final int TICK_MS = 50;
  private static final Map<String, Object> PROPERTIES = Map.of(
      "maxSessionTimeout", "60000",
      "4lw.commands.whitelist", "srvr,stat,ruok");

  private ZkServers() {}

  static InstanceSpec spec(int serverId) {
    return new InstanceSpec(null, -1, -1, -1, true, serverId, TICK_MS, -1, PROPERTIES, "127.0.0.1");
  }

  /** A started single server. */
  static TestingServer single() throws Exception {
    return new TestingServer(spec(-1), true);
  }

  /** A started ensemble of {@code n} servers. */
  static TestingCluster ensemble(int n) throws Exception {
    List<InstanceSpec> specs = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      specs.add(spec(i));
    }
    TestingCluster cluster = new TestingCluster(specs);
    cluster.start();
    return cluster;
  }

  /**
   * A store returned once its session is up (at most 10 s): the store itself connects in the
   * background, but the contract kit checks the connection state of a fresh client before its first
   * request.
   */
  static ZooKeeperKeyValueStore store(String connectString, Duration ttl, Duration retryTimeout) {
    ZooKeeperKeyValueStore store = new ZooKeeperKeyValueStore(ZooKeeperConfig.of(connectString, ttl, retryTimeout));
    long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!store.connectionState().isConnected() && System.nanoTime() - giveUp < 0) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return store;
  }

  /** The server's role from the {@code srvr} four-letter command: leader, follower, standalone. */
  static Optional<String> mode(int clientPort) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", clientPort), 1000);
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
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
