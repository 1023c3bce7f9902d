package dev.primus.dcs.etcd;

import java.io.IOException;
import java.net.URI;
import java.util.List;

/**
 * A public door to the {@code EtcdServers} harness (package-private) for the tests of other modules, the
 * agent's and the runner's, through this test-jar: real etcd processes on loopback with free ports, stopped
 * and deleted on close. It adds nothing but passes through.
 */
public final class EtcdHarnessForAgents implements AutoCloseable {
  private final EtcdServers servers;

  private EtcdHarnessForAgents(EtcdServers servers) {
    this.servers = servers;
  }

  /** Starts {@code size} members and waits until the cluster has a leader; fails if etcd is not installed. */
  public static EtcdHarnessForAgents start(int size) throws IOException, InterruptedException {
    return new EtcdHarnessForAgents(EtcdServers.start(size));
  }

  /** The client URLs, e.g. for {@code etcd3.hosts}. */
  public List<URI> clientUrls() {
    return servers.clientUrls();
  }

  /** {@code host:port,host:port} as patroni.yml's {@code etcd3.hosts} takes it. */
  public String hosts() {
    return String.join(",", clientUrls().stream().map(u -> u.getHost() + ":" + u.getPort()).toList());
  }

  /** Stops every etcd member, keeping their data: the DCS is gone for the agents until {@link #restartAll()}. */
  public void stopAll() throws InterruptedException {
    servers.stopAll();
  }

  /** Starts the stopped members again on their data and ports, and waits until the cluster is healthy. */
  public void restartAll() throws IOException, InterruptedException {
    servers.restartAll();
  }

  @Override
  public void close() {
    servers.close();
  }
}
