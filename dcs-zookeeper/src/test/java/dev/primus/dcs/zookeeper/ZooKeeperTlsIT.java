package dev.primus.dcs.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.Lease;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patroni's TLS keys against a real ZooKeeper server that requires TLS and client certificates. The
 * certificates are made by the JDK's keytool at test time: a server certificate for 127.0.0.1 that the
 * client trusts as its {@code cacert}, and a client certificate the server trusts, whose key is
 * written as PEM, as Patroni users hold them.
 */
class ZooKeeperTlsIT {
  private static final String PASS = "changeit";

  @TempDir
  static Path dir;

  private static TestingServer server;
  private static int securePort;
  private static Properties systemBefore;

  @BeforeAll
  static void startTlsServer() throws Exception {
    // Self-signed, each trusted by the other side: four keytool runs, as few as it takes.
    selfSigned("server", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
    selfSigned("client", "CN=node1", null);
    // The client key as PKCS#8 PEM, the form Patroni's `key` takes.
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(dir.resolve("client.p12"))) {
      ks.load(in, PASS.toCharArray());
    }
    Key key = ks.getKey("client", PASS.toCharArray());
    Files.writeString(dir.resolve("client-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");

    // ZooKeeper turns unknown zoo.cfg keys into JVM-wide system properties: put them back afterwards.
    systemBefore = (Properties) System.getProperties().clone();
    securePort = InstanceSpec.getRandomPort();
    Map<String, Object> props = new HashMap<>();
    props.put("secureClientPort", Integer.toString(securePort));
    props.put("serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
    props.put("ssl.keyStore.location", dir.resolve("server.p12").toString());
    props.put("ssl.keyStore.password", PASS);
    props.put("ssl.keyStore.type", "PKCS12");
    props.put("ssl.trustStore.location", dir.resolve("client.crt").toString());
    props.put("ssl.trustStore.type", "PEM");
    props.put("ssl.clientAuth", "need");
    server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, ZkServers.TICK_MS, -1, props,
        "127.0.0.1"), true);
  }

  @AfterAll
  static void stopTlsServer() throws Exception {
    if (server != null) {
      server.close();
    }
    if (systemBefore != null) {
      for (String name : new ArrayList<>(System.getProperties().stringPropertyNames())) {
        if (!systemBefore.containsKey(name)) {
          System.clearProperty(name);
        }
      }
    }
  }

  private static KeyValueStore storeFromPatroniSection(Map<String, Object> section) throws Exception {
    return new ZooKeeperDcsProvider().create(new DcsSettings(section, Duration.ofSeconds(4),
        Duration.ofSeconds(3), ZooKeeperTlsIT.class.getClassLoader()));
  }

  private static Map<String, Object> tlsSection() {
    Map<String, Object> section = new HashMap<>();
    section.put("hosts", List.of("127.0.0.1:" + securePort));
    section.put("use_ssl", true);
    section.put("cacert", dir.resolve("server.crt").toString());
    section.put("cert", dir.resolve("client.crt").toString());
    section.put("key", dir.resolve("client-key.pem").toString());
    return section;
  }

  @Test
  void patroniTlsSettingsConnectWithClientCertificates() throws Exception {
    try (KeyValueStore store = storeFromPatroniSection(tlsSection())) {
      Lease lease = store.grant(Duration.ofSeconds(2));
      assertTrue(store.put("/tls/pg/leader", "node1", Optional.of(lease)).succeeded());
      assertEquals("node1", store.read("/tls/pg/").get("/tls/pg/leader").orElseThrow().value());
      assertTrue(store.read("/tls/pg/").get("/tls/pg/leader").orElseThrow().ownedBy(lease),
          "lease sessions use the same TLS settings");
      store.revoke(lease);
    }
  }

  @Test
  void withoutAClientCertificateTheServerRefusesAndCallsFailRetryably() throws Exception {
    Map<String, Object> section = tlsSection();
    section.remove("cert");
    section.remove("key");
    try (KeyValueStore store = storeFromPatroniSection(section)) {
      DcsException e = assertThrows(DcsException.class, () -> store.read("/tls/"));
      assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
      assertTrue(!store.connectionState().isConnected());
    }
  }

  @Test
  void aServerCertificateFromAnotherCaIsRefused() throws Exception {
    Map<String, Object> section = tlsSection();
    // The client's own certificate did not sign the server's: verification must fail.
    section.put("cacert", dir.resolve("client.crt").toString());
    try (KeyValueStore store = storeFromPatroniSection(section)) {
      assertEquals(DcsException.Kind.UNAVAILABLE,
          assertThrows(DcsException.class, () -> store.read("/tls/")).kind());
    }
  }

  /** A key pair in {@code <name>.p12} and its self-signed certificate as PEM in {@code <name>.crt}. */
  private static void selfSigned(String name, String dname, String san) throws Exception {
    List<String> gen = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname",
        "secp256r1", "-dname", dname, "-validity", "2", "-keystore", name + ".p12", "-storetype", "PKCS12",
        "-storepass", PASS));
    if (san != null) {
      gen.addAll(List.of("-ext", san));
    }
    keytool(gen.toArray(String[]::new));
    keytool("-exportcert", "-rfc", "-alias", name, "-keystore", name + ".p12", "-storepass", PASS,
        "-file", name + ".crt");
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    // keytool is a short-lived JVM: skip the optimising compiler.
    cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xmx64m"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }
}
