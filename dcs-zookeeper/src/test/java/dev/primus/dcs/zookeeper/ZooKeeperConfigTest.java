package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsProviders;
import dev.primus.dcs.spi.DcsSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.zookeeper.ClientCnxnSocketNIO;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key of the {@code zookeeper:} section, its default, and the error a bad value gets. */
class ZooKeeperConfigTest {
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration RETRY = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private static DcsSettings settings(Map<String, Object> section) {
    return new DcsSettings(section, TTL, RETRY, ZooKeeperConfigTest.class.getClassLoader());
  }

  private static ZooKeeperConfig parse(Map<String, Object> section) throws DcsConfigException {
    return ZooKeeperConfig.from(settings(section));
  }

  private static DcsConfigException rejected(Map<String, Object> section) {
    return assertThrows(DcsConfigException.class, () -> parse(section));
  }

  @Test
  void defaults() throws Exception {
    ZooKeeperConfig c = parse(Map.of("hosts", List.of("zk1:2181")));
    assertEquals(List.of("zk1:2181"), c.hosts());
    assertEquals(TTL, c.sessionTimeout(), "the session timeout is the cluster ttl");
    assertEquals(RETRY, c.retryTimeout());
    assertEquals(Optional.empty(), c.tls(), "use_ssl defaults to false");
  }

  @Test
  void hostsAsListOrCommaStringWithDefaultPortAndIpv6() throws Exception {
    assertEquals(List.of("zk1:2181", "zk2:2182", "[::1]:2183", "[fe80::1]:2181"),
        parse(Map.of("hosts", List.of("zk1", "zk2:2182", "[::1]:2183", "[fe80::1]"))).hosts());
    ZooKeeperConfig c = parse(Map.of("hosts", "zk1:2181, zk2 ,zk3:2183"));
    assertEquals(List.of("zk1:2181", "zk2:2181", "zk3:2183"), c.hosts());
    assertEquals("zk1:2181,zk2:2181,zk3:2183", c.connectString());
  }

  @Test
  void badHostsNameTheEntry() {
    assertEquals("hosts", rejected(Map.of()).key());
    assertEquals("hosts", rejected(Map.of("hosts", List.of())).key());
    assertEquals("hosts", rejected(Map.of("hosts", Map.of("a", 1))).key());
    assertEquals("hosts[1]", rejected(Map.of("hosts", List.of("zk1", "zk2:99999"))).key());
    assertEquals("hosts[0]", rejected(Map.of("hosts", List.of("zk1:abc"))).key());
    assertEquals("hosts[0]", rejected(Map.of("hosts", List.of("::1"))).key(), "IPv6 needs brackets");
    assertEquals("hosts[0]", rejected(Map.of("hosts", List.of("[::1"))).key());
    assertEquals("hosts[0]", rejected(Map.of("hosts", List.of(":2181"))).key());
    DcsConfigException chroot = rejected(Map.of("hosts", "zk1:2181,zk2:2181/patroni"));
    assertEquals("hosts[1]", chroot.key());
    assertTrue(chroot.getMessage().contains("chroot"), chroot.getMessage());
  }

  @Test
  void unknownAndUnsupportedKeysAreErrors() {
    DcsConfigException typo = rejected(Map.of("hosts", "zk1", "usessl", true));
    assertEquals("usessl", typo.key());
    assertTrue(typo.getMessage().contains("use_ssl"), "lists the known keys: " + typo.getMessage());
    assertEquals("set_acls", rejected(Map.of("hosts", "zk1", "set_acls", Map.of("CN=x", List.of("ALL")))).key());
    assertEquals("auth_data", rejected(Map.of("hosts", "zk1", "auth_data", Map.of("digest", "u:p"))).key());
  }

  @Test
  void badTimingsNameTheirKey() {
    DcsSettings zeroTtl = new DcsSettings(Map.of("hosts", "zk1"), Duration.ZERO, RETRY, getClass().getClassLoader());
    assertEquals("ttl", assertThrows(DcsConfigException.class, () -> ZooKeeperConfig.from(zeroTtl)).key());
    DcsSettings zeroRetry = new DcsSettings(Map.of("hosts", "zk1"), TTL, Duration.ZERO, getClass().getClassLoader());
    assertEquals("retry_timeout", assertThrows(DcsConfigException.class, () -> ZooKeeperConfig.from(zeroRetry)).key());
  }

  @Test
  void tlsKeysAreReadOnlyWithUseSsl() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "CERT\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "KEY\n");
    Map<String, Object> section = new HashMap<>(Map.of("hosts", "zk1", "cacert", ca.toString(),
        "cert", cert.toString(), "key", key.toString(), "key_password", "s3cret"));

    assertEquals(Optional.empty(), parse(section).tls(), "ignored without use_ssl, as in Patroni");

    section.put("use_ssl", true);
    ZooKeeperConfig.Tls tls = parse(section).tls().orElseThrow();
    assertEquals(Optional.of(ca), tls.caCert());
    assertEquals(Optional.of(cert), tls.cert());
    assertEquals(Optional.of(key), tls.key());
    assertEquals(Optional.of("s3cret"), tls.keyPassword());
    assertTrue(tls.verify(), "verify defaults to true");
    assertFalse(parse(section).toString().contains("s3cret"), "the key password is masked");

    section.put("verify", "false");
    assertFalse(parse(section).tls().orElseThrow().verify());
    section.put("verify", "perhaps");
    assertEquals("verify", rejected(section).key());
  }

  @Test
  void badTlsFilesNameTheirKey() throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "CERT");
    assertEquals("cacert", rejected(Map.of("hosts", "zk1", "use_ssl", true, "cacert", dir.resolve("nope").toString())).key());
    assertEquals("key", rejected(Map.of("hosts", "zk1", "use_ssl", true, "cert", cert.toString())).key());
    assertEquals("cert", rejected(Map.of("hosts", "zk1", "use_ssl", true, "key", cert.toString())).key());
    assertEquals("key_password", rejected(Map.of("hosts", "zk1", "use_ssl", true, "key_password", "x")).key());
    assertEquals("cacert", rejected(Map.of("hosts", "zk1", "use_ssl", true, "cacert", "")).key());
    assertEquals("use_ssl", rejected(Map.of("hosts", "zk1", "use_ssl", "yes")).key());
  }

  @Test
  void tlsBecomesZooKeeperClientProperties() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "CA\n");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "CERT\n");
    Path key = Files.writeString(dir.resolve("key.pem"), "KEY");
    ZooKeeperConfig c = parse(Map.of("hosts", "zk1", "use_ssl", true, "cacert", ca.toString(),
        "cert", cert.toString(), "key", key.toString(), "key_password", "pw", "verify", false));
    Path combined;
    try (ClientSettings s = ClientSettings.of(c)) {
      Map<String, String> p = s.properties();
      assertEquals("true", p.get(ZKClientConfig.SECURE_CLIENT));
      assertEquals(ClientCnxnSocketNetty.class.getName(), p.get(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET));
      assertEquals(ca.toString(), p.get("zookeeper.ssl.trustStore.location"));
      assertEquals("PEM", p.get("zookeeper.ssl.trustStore.type"));
      assertEquals("PEM", p.get("zookeeper.ssl.keyStore.type"));
      assertEquals("pw", p.get("zookeeper.ssl.keyStore.password"));
      assertEquals("false", p.get("zookeeper.ssl.hostnameVerification"));
      assertEquals("false", p.get(ZKClientConfig.ENABLE_CLIENT_SASL_KEY));
      combined = Path.of(p.get("zookeeper.ssl.keyStore.location"));
      // ZooKeeper reads key and chain from one file; Patroni gives two.
      assertEquals("KEY\nCERT\n", Files.readString(combined));
      assertEquals("pw", s.clientConfig().getProperty("zookeeper.ssl.keyStore.password"));
    }
    assertFalse(Files.exists(combined), "the combined key store is deleted with the store");

    try (ClientSettings plain = ClientSettings.of(parse(Map.of("hosts", "zk1")))) {
      // Explicit, so JVM-wide properties (an in-process server sets some) cannot turn TLS on.
      assertEquals("false", plain.properties().get(ZKClientConfig.SECURE_CLIENT));
      assertEquals(ClientCnxnSocketNIO.class.getName(),
          plain.properties().get(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET));
      assertEquals("10000", plain.properties().get(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT));
    }
  }

  @Test
  void theProviderIsFoundByNameAndNamesItsArtifact() throws Exception {
    DcsProvider p = DcsProviders.load(getClass().getClassLoader()).select("zookeeper");
    assertInstanceOf(ZooKeeperDcsProvider.class, p);
    assertEquals("dev.primus:primus-dcs-zookeeper", p.artifact());
    assertEquals("hosts", assertThrows(DcsConfigException.class, () -> p.create(settings(Map.of()))).key());
    // A valid section builds a store at once, connecting in the background (nothing listens there).
    try (var store = p.create(settings(Map.of("hosts", List.of("127.0.0.1:1"))))) {
      assertInstanceOf(ZooKeeperKeyValueStore.class, store);
      assertFalse(store.connectionState().isConnected());
    }
  }
}
