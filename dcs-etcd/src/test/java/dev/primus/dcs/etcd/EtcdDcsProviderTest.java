package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery by {@link java.util.ServiceLoader} and building a store from a section, without a server. */
class EtcdDcsProviderTest {
  private static final Path TLS = Path.of("src/test/resources/tls");

  private static DcsSettings settings(Map<String, Object> section) {
    return new DcsSettings(section, Duration.ofSeconds(30), Duration.ofSeconds(10),
        EtcdDcsProviderTest.class.getClassLoader());
  }

  @Test
  void isFoundAsEtcd3AndNamesItsArtifact() {
    DcsProvider p = DcsProviders.load(getClass().getClassLoader()).select("etcd3");
    assertInstanceOf(EtcdDcsProvider.class, p);
    assertEquals("etcd3", p.name());
    assertEquals("dev.primus:primus-dcs-etcd", p.artifact());
  }

  @Test
  void buildsALazilyConnectingStore() throws Exception {
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(Map.of("hosts", "127.0.0.1:1")))) {
      assertInstanceOf(EtcdKeyValueStore.class, store);
      assertEquals(Set.of(Capability.WATCH), store.capabilities());
      assertTrue(store.watcher().isPresent());
      assertEquals(ConnectionState.CONNECTED, store.connectionState(), "nothing failed yet");
    }
  }

  @Test
  void buildsATlsStoreFromPemFiles() throws Exception {
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(Map.of("hosts", "127.0.0.1:1",
        "cacert", TLS.resolve("ca.crt").toString(), "cert", TLS.resolve("client.crt").toString(),
        "key", TLS.resolve("client.key").toString())))) {
      assertInstanceOf(EtcdKeyValueStore.class, store);
    }
  }

  @Test
  void unusableTlsFilesAreReportedUnderTheirKey(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
    DcsConfigException ca = assertThrows(DcsConfigException.class, () -> new EtcdDcsProvider().create(
        settings(Map.of("hosts", "h:1", "cacert", garbage.toString()))));
    assertEquals("cacert", ca.key());
    DcsConfigException cert = assertThrows(DcsConfigException.class, () -> new EtcdDcsProvider().create(
        settings(Map.of("hosts", "h:1", "cert", garbage.toString(), "key", TLS.resolve("client.key").toString()))));
    assertEquals("cert", cert.key());
    DcsConfigException key = assertThrows(DcsConfigException.class, () -> new EtcdDcsProvider().create(
        settings(Map.of("hosts", "h:1", "cert", TLS.resolve("client.crt").toString(), "key", garbage.toString()))));
    assertEquals("key", key.key());
  }

  @Test
  void aBadSectionFailsBeforeAnyConnection() {
    DcsConfigException e = assertThrows(DcsConfigException.class,
        () -> new EtcdDcsProvider().create(settings(Map.of("host", "h:1", "protocol", "ftp"))));
    assertEquals("protocol", e.key());
  }
}
