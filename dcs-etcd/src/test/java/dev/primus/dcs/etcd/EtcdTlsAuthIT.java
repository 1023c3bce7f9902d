package dev.primus.dcs.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Patroni's {@code etcd3:} TLS and authentication keys end to end: an etcd member that serves only
 * TLS, requires client certificates signed by the test CA, and has authentication enabled with a
 * {@code patroni} user allowed under {@code /service/}.
 */
class EtcdTlsAuthIT {
  private static final Path TLS = Path.of("src/test/resources/tls");
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final Duration RETRY = Duration.ofSeconds(2);
  private static EtcdServers etcd;
  private static URI url;

  @BeforeAll
  static void startEtcdWithAuth() throws Exception {
    etcd = EtcdServers.startTls(new EtcdServers.TlsFiles(TLS.resolve("ca.crt").toAbsolutePath(),
        TLS.resolve("server.crt").toAbsolutePath(), TLS.resolve("server.key").toAbsolutePath()));
    url = etcd.clientUrls().get(0);
    // Set up users as an operator would, over mutual TLS (the client certificate's CN is "root").
    EtcdConfig admin = EtcdConfig.from(settings(section()));
    try (Client client = Client.builder().endpoints(url).sslContext(Tls.clientContext(admin)).build()) {
      Auth auth = client.getAuthClient();
      auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
      auth.userAdd(bytes("root"), bytes("root-password")).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
      auth.roleAdd(bytes("patroni")).get(10, TimeUnit.SECONDS);
      auth.roleGrantPermission(bytes("patroni"), bytes("/service/"), bytes("/service0"), Permission.Type.READWRITE)
          .get(10, TimeUnit.SECONDS);
      auth.userAdd(bytes("patroni"), bytes("s3cret")).get(10, TimeUnit.SECONDS);
      auth.userGrantRole(bytes("patroni"), bytes("patroni")).get(10, TimeUnit.SECONDS);
      auth.authEnable().get(10, TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void tlsWithClientCertificateAndPasswordWorks() throws Exception {
    Map<String, Object> section = section();
    section.put("username", "patroni");
    section.put("password", "s3cret");
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(section))) {
      assertTrue(store.put("/service/tls/config", "{\"ttl\":30}", Optional.empty()).succeeded());
      assertEquals("{\"ttl\":30}", store.read("/service/tls/").get("/service/tls/config").orElseThrow().value());
      assertTrue(store.keepAlive(store.grant(TTL)) instanceof dev.primus.dcs.spi.KeepAliveResult.Alive);
    }
  }

  @Test
  void aWrongPasswordIsAnAuthenticationFailureNotAnOutage() throws Exception {
    Map<String, Object> section = section();
    section.put("username", "patroni");
    section.put("password", "wrong");
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(section))) {
      DcsException e = assertThrows(DcsException.class, () -> store.read("/service/tls/"));
      assertEquals(DcsException.Kind.AUTHENTICATION, e.kind(), e.getMessage());
      assertFalse(e.retryable());
      assertFalse(e.getMessage().contains("wrong"), "the password is not echoed: " + e.getMessage());
      assertEquals(ConnectionState.SUSPENDED, store.connectionState(), "an agent that cannot use the DCS is cut off");
    }
  }

  @Test
  void permissionsOutsideTheUsersPrefixAreRefused() throws Exception {
    Map<String, Object> section = section();
    section.put("username", "patroni");
    section.put("password", "s3cret");
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(section))) {
      DcsException e = assertThrows(DcsException.class, () -> store.put("/elsewhere/x", "y", Optional.empty()));
      assertEquals(DcsException.Kind.AUTHENTICATION, e.kind(), e.getMessage());
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefusesTheConnection() throws Exception {
    Map<String, Object> section = section();
    section.remove("cert");
    section.remove("key");
    try (KeyValueStore store = new EtcdDcsProvider().create(settings(section))) {
      DcsException e = assertThrows(DcsException.class, () -> store.read("/service/tls/"));
      assertTrue(e.retryable(), e.kind() + ": " + e.getMessage());
    }
  }

  private static Map<String, Object> section() {
    Map<String, Object> s = new HashMap<>();
    s.put("hosts", url.getHost() + ":" + url.getPort());
    s.put("protocol", "https");
    s.put("cacert", TLS.resolve("ca.crt").toString());
    s.put("cert", TLS.resolve("client.crt").toString());
    s.put("key", TLS.resolve("client.key").toString());
    return s;
  }

  private static DcsSettings settings(Map<String, Object> section) {
    return new DcsSettings(section, TTL, RETRY, EtcdTlsAuthIT.class.getClassLoader());
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
