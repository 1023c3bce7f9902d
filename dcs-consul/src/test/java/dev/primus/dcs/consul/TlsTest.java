package dev.primus.dcs.consul;

import static dev.primus.dcs.consul.ConsulApiDouble.Canned.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * PEM parsing and TLS set-up, with an HTTPS test double of Consul's API. The PEM files under
 * {@code src/test/resources/tls/} are throw-away test material made with openssl 3: a P-256 CA
 * ({@code ca.pem}), a server certificate for 127.0.0.1/localhost with a PKCS#8 RSA key, a client
 * certificate with a SEC1 EC key (also as PKCS#8, as a combined cert+key file, and PKCS#8-encrypted),
 * and a PKCS#1 RSA key; all valid for 100 years.
 */
class TlsTest {

  private static Path tls(String name) {
    try {
      return Path.of(TlsTest.class.getClassLoader().getResource("tls/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException(name, e);
    }
  }

  @Test
  void readsPkcs8Pkcs1AndSec1Keys() throws Exception {
    PrivateKey sec1 = Tls.privateKey(tls("client-key-sec1.pem"), "key");
    PrivateKey pkcs8 = Tls.privateKey(tls("client-key-pkcs8.pem"), "key");
    assertEquals("EC", sec1.getAlgorithm());
    // The encodings differ (SEC1 keeps the public point inside); the private scalar and curve are the same.
    assertEquals(((ECPrivateKey) pkcs8).getS(), ((ECPrivateKey) sec1).getS(), "SEC1 and PKCS#8 hold one key");
    assertEquals(((ECPrivateKey) pkcs8).getParams().getCurve(), ((ECPrivateKey) sec1).getParams().getCurve());
    assertEquals("RSA", Tls.privateKey(tls("rsa-key-pkcs1.pem"), "key").getAlgorithm());
    assertEquals("RSA", Tls.privateKey(tls("server-key.pem"), "key").getAlgorithm());
    assertEquals("EC", Tls.privateKey(tls("client-combined.pem"), "cert").getAlgorithm(), "the key inside cert");
  }

  @Test
  void refusesEncryptedKeysAndFilesWithoutTheExpectedBlock() {
    DcsConfigException encrypted = assertThrows(DcsConfigException.class,
        () -> Tls.privateKey(tls("encrypted-key.pem"), "key"));
    assertEquals("key", encrypted.key());
    assertTrue(encrypted.getMessage().contains("encrypted"), encrypted.getMessage());
    assertEquals("key", assertThrows(DcsConfigException.class, () -> Tls.privateKey(tls("ca.pem"), "key")).key());
    assertEquals("cacert", assertThrows(DcsConfigException.class,
        () -> Tls.certificates(tls("server-key.pem"), "cacert")).key());
  }

  @Test
  void mutualTlsWithTheConfiguredCaAndClientCertificate() throws Exception {
    try (ConsulApiDouble consul = ConsulApiDouble.https(serverContext(true), true)) {
      consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(7));
      ConsulConfig config = config(consul, Optional.of(tls("ca.pem")), Optional.of(tls("client.pem")),
          Optional.of(tls("client-key-sec1.pem")), true);
      try (ConsulKeyValueStore store = ConsulKeyValueStore.connect(config, Duration.ofSeconds(30), Duration.ofSeconds(5))) {
        assertEquals(7, store.read("/service/pg/").revision());
      }
    }
  }

  @Test
  void aCombinedCertificateAndKeyFileWorksAsPatronisCertAlone() throws Exception {
    try (ConsulApiDouble consul = ConsulApiDouble.https(serverContext(true), true)) {
      consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(8));
      ConsulConfig config = config(consul, Optional.of(tls("ca.pem")), Optional.of(tls("client-combined.pem")),
          Optional.empty(), true);
      try (ConsulKeyValueStore store = ConsulKeyValueStore.connect(config, Duration.ofSeconds(30), Duration.ofSeconds(5))) {
        assertEquals(8, store.read("/service/pg/").revision());
      }
    }
  }

  @Test
  void anUntrustedServerCertificateIsAnAuthenticationFailureUnlessVerifyIsOff() throws Exception {
    try (ConsulApiDouble consul = ConsulApiDouble.https(serverContext(false), false)) {
      consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(9));
      // The JDK's default trust store does not know the test CA.
      ConsulConfig strict = config(consul, Optional.empty(), Optional.empty(), Optional.empty(), true);
      try (ConsulKeyValueStore store = ConsulKeyValueStore.connect(strict, Duration.ofSeconds(30), Duration.ofSeconds(5))) {
        DcsException e = assertThrows(DcsException.class, () -> store.read("/service/pg/"));
        assertEquals(DcsException.Kind.AUTHENTICATION, e.kind(), e.getMessage());
      }
      ConsulConfig lax = config(consul, Optional.empty(), Optional.empty(), Optional.empty(), false);
      try (ConsulKeyValueStore store = ConsulKeyValueStore.connect(lax, Duration.ofSeconds(30), Duration.ofSeconds(5))) {
        assertEquals(9, store.read("/service/pg/").revision(), "verify: false trusts any certificate");
      }
    }
  }

  private static ConsulConfig config(ConsulApiDouble consul, Optional<Path> cacert, Optional<Path> cert,
      Optional<Path> key, boolean verify) {
    return new ConsulConfig(consul.endpoint(), Optional.empty(), Optional.empty(), ConsulConfig.Consistency.DEFAULT,
        List.of(), cacert, cert, key, verify);
  }

  /** The double's side: the server certificate, and the test CA to check client certificates. */
  private static SSLContext serverContext(boolean trustClients) throws Exception {
    List<X509Certificate> chain = new ArrayList<>(Tls.certificates(tls("server.pem"), "cert"));
    chain.addAll(Tls.certificates(tls("ca.pem"), "cacert"));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", Tls.privateKey(tls("server-key.pem"), "key"), new char[0],
        chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    KeyStore cas = KeyStore.getInstance("PKCS12");
    cas.load(null, null);
    if (trustClients) {
      cas.setCertificateEntry("ca", Tls.certificates(tls("ca.pem"), "cacert").get(0));
    }
    tmf.init(cas);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
