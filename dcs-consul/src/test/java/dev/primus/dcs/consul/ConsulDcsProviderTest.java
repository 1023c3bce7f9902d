package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsulDcsProviderTest {
  private final ClassLoader loader = getClass().getClassLoader();

  @Test
  void isFoundByServiceLoaderUnderTheNameConsul() {
    DcsProvider p = DcsProviders.load(loader).select("consul");
    assertInstanceOf(ConsulDcsProvider.class, p);
    assertEquals("dev.primus:primus-dcs-consul", p.artifact());
  }

  @Test
  void createsAStoreWithoutContactingConsul() throws Exception {
    // Port 1 on loopback: nothing listens, and creating the store must not try.
    DcsSettings settings = new DcsSettings(Map.of("host", "127.0.0.1:1"), Duration.ofSeconds(30),
        Duration.ofSeconds(10), loader);
    try (KeyValueStore store = new ConsulDcsProvider().create(settings)) {
      assertInstanceOf(ConsulKeyValueStore.class, store);
      assertTrue(store.connectionState().isConnected(), "no request yet, no failure yet");
    }
  }

  @Test
  void aBadSectionIsAConfigErrorNamingTheKey() {
    DcsSettings settings = new DcsSettings(Map.of("consistency", "eventual"), Duration.ofSeconds(30),
        Duration.ofSeconds(10), loader);
    DcsConfigException e = assertThrows(DcsConfigException.class, () -> new ConsulDcsProvider().create(settings));
    assertEquals("consistency", e.key());
  }
}
