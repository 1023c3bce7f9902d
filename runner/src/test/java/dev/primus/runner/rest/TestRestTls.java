package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.config.Secret;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTPS from PEM files, every usual key format, and client certificates. */
class TestRestTls {
  private final RestServers servers = new RestServers();
  private final FakeCommandsForRestTests commands = new FakeCommandsForRestTests(TestNodes.cluster());

  @AfterEach
  void stop() {
    servers.close();
  }

  private static Path tls(String name) {
    try {
      return Path.of(TestRestTls.class.getResource("/tls/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RestApiConfig https(String keyfile, Optional<Secret> password, RestApiConfig.VerifyClient verify) {
    return new RestApiConfig(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008), Optional.empty(),
        Optional.of(tls("server.crt")), Optional.of(tls(keyfile)), password, Optional.of(tls("ca.crt")), verify,
        List.of(), false, Map.of(), Map.of("Strict-Transport-Security", "max-age=31536000"), 5);
  }

  /** A client that trusts the test CA, optionally presenting the test client certificate. */
  private static SSLContext client(boolean withCertificate) throws Exception {
    if (withCertificate) {
      return PemTls.serverContext(tls("client.crt"), Optional.of(tls("client.key")), Optional.empty(),
          Optional.of(tls("ca.crt")));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(PemTls.trustStore(tls("ca.crt")));
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private RestClient start(RestApiConfig cfg, boolean clientCertificate) throws Exception {
    RestApiServer server = servers.server(cfg, TestNodes.LEADER_ID,
        new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED)), commands);
    assertTrue(server.tls());
    return new RestClient(server, client(clientCertificate));
  }

  @Test
  void httpsWithAPkcs1RsaKey() throws Exception {
    RestClient c = start(https("server-pkcs1.key", Optional.empty(), RestApiConfig.VerifyClient.NONE), false);
    HttpResponse<String> r = c.get("/patroni");
    assertEquals(200, r.statusCode());
    assertEquals("running", TestRestCommands.json(r.body()).get("state"));
    assertEquals("max-age=31536000", r.headers().firstValue("Strict-Transport-Security").orElse(""));
  }

  @Test
  void httpsWithAnEncryptedKey() throws Exception {
    RestClient c = start(https("server-encrypted.key", Optional.of(Secret.of("secret")), RestApiConfig.VerifyClient.NONE),
        false);
    assertEquals(200, c.get("/primary").statusCode());
  }

  @Test
  void everyKeyFormatReads() throws Exception {
    for (String f : List.of("server-pkcs8.key", "server-pkcs1.key", "server-combined.pem")) {
      PrivateKey k = PemTls.privateKey(Files.readString(tls(f), StandardCharsets.US_ASCII), Optional.empty());
      assertEquals("RSA", k.getAlgorithm(), f);
    }
    assertEquals("RSA", PemTls.privateKey(Files.readString(tls("server-encrypted.key")), Optional.of(Secret.of("secret")))
        .getAlgorithm());
    assertEquals("EC", PemTls.privateKey(Files.readString(tls("ec-sec1.key")), Optional.empty()).getAlgorithm());
    GeneralSecurityException noPassword = assertThrows(GeneralSecurityException.class,
        () -> PemTls.privateKey(Files.readString(tls("server-encrypted.key")), Optional.empty()));
    assertTrue(noPassword.getMessage().contains("keyfile_password"), noPassword.getMessage());
    assertThrows(GeneralSecurityException.class,
        () -> PemTls.privateKey(Files.readString(tls("server-encrypted.key")), Optional.of(Secret.of("wrong"))));
    assertThrows(GeneralSecurityException.class, () -> PemTls.privateKey("not a key", Optional.empty()));
  }

  @Test
  void aCombinedPemNeedsNoKeyfile() throws Exception {
    RestApiConfig cfg = new RestApiConfig(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008),
        Optional.empty(), Optional.of(tls("server-combined.pem")), Optional.empty(), Optional.empty(), Optional.empty(),
        RestApiConfig.VerifyClient.NONE, List.of(), false, Map.of(), Map.of(), 5);
    assertEquals(200, start(cfg, false).get("/patroni").statusCode());
  }

  @Test
  void requiredClientCertificates() throws Exception {
    RestApiConfig cfg = https("server-pkcs8.key", Optional.empty(), RestApiConfig.VerifyClient.REQUIRED);
    RestClient anonymous = start(cfg, false);
    assertThrows(IllegalStateException.class, () -> anonymous.get("/patroni"), "the handshake fails without one");
    RestClient known = start(cfg, true);
    assertEquals(200, known.get("/patroni").statusCode());
    assertEquals(202, known.send("POST", "/reload", "").statusCode());
  }

  @Test
  void optionalClientCertificatesGuardOnlyUnsafeMethods() throws Exception {
    RestApiConfig cfg = https("server-pkcs8.key", Optional.empty(), RestApiConfig.VerifyClient.OPTIONAL);
    RestClient anonymous = start(cfg, false);
    assertEquals(200, anonymous.get("/patroni").statusCode());
    assertEquals(403, anonymous.send("POST", "/reload", "").statusCode());
    assertEquals(202, start(cfg, true).send("POST", "/reload", "").statusCode());
  }
}
