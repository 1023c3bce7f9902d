package dev.primus.bench;

import dev.primus.dcs.etcd.EtcdConfig;
import dev.primus.dcs.etcd.EtcdKeyValueStore;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.zookeeper.ZooKeeperConfig;
import dev.primus.dcs.zookeeper.ZooKeeperKeyValueStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** A DCS under measurement: a real server started for the run, and clients of it. */
sealed interface Backend extends AutoCloseable {
  List<String> NAMES = List.of("etcd3", "zookeeper");

  /** The provider name, as in {@code patroni.yml}. */
  String name();

  /** What serves the requests, for the report. */
  String server();

  /** A new, independent client, connected. */
  KeyValueStore connect(Duration ttl, Duration retryTimeout) throws Exception;

  @Override
  void close();

  static Backend start(String name) throws Exception {
    return switch (name) {
      case "etcd3" -> new Etcd(EtcdProcess.start());
      case "zookeeper" -> Zk.start();
      default -> throw new IllegalArgumentException("unknown backend '" + name + "'; known: " + NAMES);
    };
  }

  /** etcd 3 as a separate process; the client is jetcd over gRPC. */
  record Etcd(EtcdProcess etcd) implements Backend {
    @Override
    public String name() {
      return "etcd3";
    }

    @Override
    public String server() {
      return etcd.version() + ", 1 member, separate process";
    }

    @Override
    public KeyValueStore connect(Duration ttl, Duration retryTimeout) throws Exception {
      return EtcdKeyValueStore.connect(EtcdConfig.of(List.of(etcd.clientUrl())), ttl, retryTimeout);
    }

    @Override
    public void close() {
      etcd.close();
    }
  }

  /**
   * ZooKeeper as curator-test's {@link TestingServer}: the real server, in this JVM, so it shares the
   * bench's CPU and heap. The tick is ZooKeeper's usual 2 s; sessions up to 60 s are allowed so the
   * member leases (sessions) of the cluster can have a 30 s TTL.
   */
  record Zk(TestingServer zk) implements Backend {
    static Zk start() throws Exception {
      InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 2000, -1,
          Map.of("maxSessionTimeout", "60000"), "127.0.0.1");
      return new Zk(new TestingServer(spec, true));
    }

    @Override
    public String name() {
      return "zookeeper";
    }

    @Override
    public String server() {
      return "ZooKeeper " + org.apache.zookeeper.Version.getFullVersion().split("[ ,-]")[0]
          + ", 1 server, curator-test TestingServer in the bench JVM";
    }

    @Override
    public KeyValueStore connect(Duration ttl, Duration retryTimeout) throws Exception {
      ZooKeeperKeyValueStore store = new ZooKeeperKeyValueStore(
          ZooKeeperConfig.of(zk.getConnectString(), ttl, retryTimeout));
      // The store connects in the background; measure requests, not the first connection.
      long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!store.connectionState().isConnected()) {
        if (System.nanoTime() - giveUp > 0) {
          store.close();
          throw new IllegalStateException("no ZooKeeper session within 10 s at " + zk.getConnectString());
        }
        Thread.sleep(5);
      }
      return store;
    }

    @Override
    public void close() {
      try {
        zk.close();
      } catch (java.io.IOException e) {
        System.err.println("bench: stopping ZooKeeper: " + e.getMessage());
      }
    }
  }
}
