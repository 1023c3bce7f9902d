package dev.primus.dcs.consul;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.KeyValueStoreContract;
import dev.primus.dcs.spi.OutageControl;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The DCS contract kit, unchanged, against a real Consul agent ({@link ConsulAgent}: {@code CONSUL_BIN},
 * {@code consul} on the PATH, or a container when a Docker engine answers). Clients reach the agent
 * through a {@link TcpProxy}, which the outage checks cut and restore while the agent keeps running.
 *
 * <p>Where none of those exists, every check is skipped and the reason is printed: this backend is then
 * not verified at all, whatever the unit tests against the test double of Consul's API say.
 *
 * <p>The kit asks for 2 s leases; Consul's 10 s minimum session TTL makes them 20 s leases, so the lease
 * checks take about 20 to 40 s each.
 */
class ConsulContractIT extends KeyValueStoreContract {
  /** The store's deadline per request: well inside the kit's unreachableDetectionBound() of 10 s. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
  /** The cluster ttl the store uses to call an outage LOST; the kit does not look at it. */
  static final Duration CLUSTER_TTL = Duration.ofSeconds(30);

  private static ConsulAgent agent;
  private static TcpProxy proxy;
  private static String skipReason;

  @BeforeAll
  static void startConsul() throws Exception {
    ConsulAgent.Availability found = ConsulAgent.find();
    if (found.launcher().isEmpty()) {
      skipReason = found.reason();
      // Printed once as well: failsafe only counts skipped tests, and mvn -q hides even the count.
      System.out.println("[ConsulContractIT] SKIPPED: " + skipReason);
      return;
    }
    agent = found.launcher().get().start();
    proxy = TcpProxy.start(agent.host(), agent.httpPort());
    System.out.println("[ConsulContractIT] running against " + agent.describe() + " through 127.0.0.1:" + proxy.port());
  }

  /**
   * Skips each check rather than the class: an abort in {@code @BeforeAll} is reported by failsafe as
   * zero tests run, while this reports every check of the kit as skipped, with the reason.
   */
  @BeforeEach
  void requireAgent() {
    if (skipReason != null) {
      Assumptions.abort(skipReason);
    }
  }

  @AfterAll
  static void stopConsul() throws Exception {
    if (proxy != null) {
      proxy.close();
      proxy = null;
    }
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  @Override
  protected KeyValueStore newClient() throws Exception {
    ConsulConfig config = ConsulConfig.of(URI.create("http://127.0.0.1:" + proxy.port()));
    return ConsulKeyValueStore.connect(config, CLUSTER_TTL, REQUEST_TIMEOUT);
  }

  /**
   * Consul's servers invalidate a session at twice its TTL, which is what the granted lease ttl
   * already reports (see {@link SessionTtl}); the invalidation itself is one Raft entry. The slack
   * covers a loaded machine and a single-server agent's timer and apply, not a second TTL.
   */
  @Override
  protected Duration expiryBound() {
    return Duration.ofSeconds(10);
  }

  /** The proxy is cut and restored; the agent keeps running, with its sessions and data. */
  @Override
  protected Optional<OutageControl> outageControl() {
    return Optional.of(OutageControl.of(proxy::cut, proxy::restore));
  }
}
