package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pins the reflective path to jetcd's gRPC channel. If a jetcd upgrade moves it, this fails, instead
 * of the store silently waiting out gRPC's reconnect backoff (up to two minutes) after an outage.
 */
class ConnectBackoffTest {

  @Test
  void theChannelIsFoundInThisJetcdVersion() {
    try (Client client = Client.builder().endpoints(URI.create("http://127.0.0.1:1")).build()) {
      assertTrue(ConnectBackoff.channelOf(client).isPresent(), "jetcd's ClientImpl.connectionManager.getChannel()");
      ConnectBackoff backoff = ConnectBackoff.of(client);
      assertTrue(backoff.effective());
      backoff.reset(); // must not throw on a channel that never connected
    }
  }

  @Test
  void theStoreUsesIt() throws Exception {
    try (EtcdKeyValueStore store = EtcdKeyValueStore.connect(
        EtcdConfig.of(List.of(URI.create("http://127.0.0.1:1"))), Duration.ofSeconds(10), Duration.ofSeconds(1))) {
      assertTrue(store.backoffResettable());
    }
  }
}
