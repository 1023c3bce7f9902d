package dev.primus.runner.demo;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;

/**
 * A real, single ZooKeeper server inside this JVM: ZooKeeper's own {@link ZooKeeperServer} behind a
 * {@link ServerCnxnFactory} (NIO, the default) on a loopback port, with its snapshots and transaction log
 * in a directory of the caller's. It is the DCS of {@code primus demo}: no process to install or start,
 * and the agents talk to it exactly as to a production ensemble.
 *
 * <p>The tick is short (500 ms) because ZooKeeper expires sessions in tick-sized buckets: with the
 * default 2 s tick a dead agent's session (and so its leader key) would outlive the ttl by up to 2 s,
 * which the demo would report as failover time that is not Primus's. Session timeouts are allowed from
 * 1 s to 2 min so that any ttl the demo accepts is taken as asked, not clamped.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
  static final int TICK_MS = 500;
  static final Duration MIN_SESSION = Duration.ofSeconds(1);
  static final Duration MAX_SESSION = Duration.ofMinutes(2);

  private final ZooKeeperServer server;
  private final ServerCnxnFactory factory;
  private final InetSocketAddress address;

  private EmbeddedZooKeeper(ZooKeeperServer server, ServerCnxnFactory factory, InetSocketAddress address) {
    this.server = server;
    this.factory = factory;
    this.address = address;
  }

  /**
   * Starts a server on {@code 127.0.0.1:port} (0 picks a free port) keeping its data under {@code dataDir}.
   */
  public static EmbeddedZooKeeper start(Path dataDir, int port) throws IOException, InterruptedException {
    Objects.requireNonNull(dataDir, "dataDir");
    Files.createDirectories(dataDir);
    // The server's admin console (Jetty) is not on the classpath and four-letter words are not needed.
    System.setProperty("zookeeper.admin.enableServer", "false");
    File dir = dataDir.toFile();
    FileTxnSnapLog files = new FileTxnSnapLog(dir, dir);
    ZooKeeperServer zk = new ZooKeeperServer(files, TICK_MS, (int) MIN_SESSION.toMillis(),
        (int) MAX_SESSION.toMillis(), -1, new ZKDatabase(files), "");
    ServerCnxnFactory factory = ServerCnxnFactory.createFactory();
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    factory.configure(bind, 100, -1);
    try {
      factory.startup(zk);
    } catch (IOException | InterruptedException | RuntimeException e) {
      factory.shutdown();
      zk.shutdown();
      throw e;
    }
    InetSocketAddress actual = new InetSocketAddress(InetAddress.getLoopbackAddress(), factory.getLocalPort());
    return new EmbeddedZooKeeper(zk, factory, actual);
  }

  /** {@code 127.0.0.1:port}, as the {@code zookeeper.hosts} of a patroni.yml takes it. */
  public String connectString() {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }

  public int port() {
    return address.getPort();
  }

  /** Stops accepting connections and shuts the server down; the data directory stays. */
  @Override
  public void close() {
    factory.shutdown();
    if (server.isRunning()) {
      server.shutdown();
    }
  }
}
