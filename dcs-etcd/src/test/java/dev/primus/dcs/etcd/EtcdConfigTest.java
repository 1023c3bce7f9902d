package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Pins every key of the {@code etcd3:} section, its defaults, and the key each error names. */
class EtcdConfigTest {
  private static final Path TLS = Path.of("src/test/resources/tls");

  private static EtcdConfig parse(Map<String, Object> section) throws DcsConfigException {
    return EtcdConfig.from(new DcsSettings(section, Duration.ofSeconds(30), Duration.ofSeconds(10),
        EtcdConfigTest.class.getClassLoader()));
  }

  private static String failingKey(Map<String, Object> section) {
    return assertThrows(DcsConfigException.class, () -> parse(section)).key();
  }

  private static Map<String, Object> with(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void hostsAsACommaSeparatedStringWithDefaults() throws Exception {
    EtcdConfig c = parse(with("hosts", "10.0.0.1:2379, 10.0.0.2:2380,etcd3"));
    assertEquals(List.of(URI.create("http://10.0.0.1:2379"), URI.create("http://10.0.0.2:2380"),
        URI.create("http://etcd3:2379")), c.endpoints(), "http and port 2379 by default");
    assertEquals(Optional.empty(), c.username());
    assertEquals(Optional.empty(), c.password());
    assertEquals(Optional.empty(), c.cacert());
    assertEquals(Optional.empty(), c.cert());
    assertEquals(Optional.empty(), c.key());
    assertFalse(c.tls());
  }

  @Test
  void hostsAsAListHostAloneAndUrls() throws Exception {
    assertEquals(List.of(URI.create("http://a:1"), URI.create("http://[::1]:2379")),
        parse(with("hosts", List.of("a:1", "[::1]"))).endpoints());
    assertEquals(List.of(URI.create("http://127.0.0.1:2379")), parse(with("host", "127.0.0.1:2379")).endpoints());
    assertEquals(List.of(URI.create("http://h:1")), parse(with("hosts", "h:1", "host", "ignored:2")).endpoints(),
        "hosts wins over host, as in Patroni");
    assertEquals(List.of(URI.create("https://h:2379")),
        parse(with("hosts", "https://h:2379", "protocol", "https")).endpoints());
  }

  @Test
  void badHostsNameTheEntry() {
    assertEquals("hosts", failingKey(with()));
    assertEquals("hosts", failingKey(with("hosts", List.of())));
    assertEquals("hosts[1]", failingKey(with("hosts", List.of("ok:1", "bad:port"))));
    assertEquals("hosts[0]", failingKey(with("hosts", "h:2379/v3")));
    assertEquals("hosts[0]", failingKey(with("hosts", "https://h:2379")), "scheme differs from protocol http");
    assertEquals("host", failingKey(with("host", "a b")));
    assertEquals("hosts", failingKey(with("hosts", Map.of("a", "b"))));
  }

  @Test
  void protocol() throws Exception {
    assertTrue(parse(with("hosts", "h:1", "protocol", "HTTPS")).tls());
    assertFalse(parse(with("hosts", "h:1", "protocol", "http")).tls());
    assertEquals("protocol", failingKey(with("hosts", "h:1", "protocol", "grpc")));
    assertEquals("protocol", failingKey(with("hosts", "h:1", "protocol", "http",
        "cacert", TLS.resolve("ca.crt").toString())), "TLS files with plain http");
  }

  @Test
  void tlsFilesImplyHttpsAndComeInPairs() throws Exception {
    EtcdConfig c = parse(with("hosts", "h:1", "cacert", TLS.resolve("ca.crt").toString(),
        "cert", TLS.resolve("client.crt").toString(), "key", TLS.resolve("client.key").toString()));
    assertTrue(c.tls());
    assertEquals(URI.create("https://h:1"), c.endpoints().get(0));
    assertEquals(Optional.of(TLS.resolve("client.key")), c.key());
    assertEquals("key", failingKey(with("hosts", "h:1", "cert", TLS.resolve("client.crt").toString())));
    assertEquals("cert", failingKey(with("hosts", "h:1", "key", TLS.resolve("client.key").toString())));
    assertEquals("cacert", failingKey(with("hosts", "h:1", "cacert", "/nonexistent/ca.crt")));
  }

  @Test
  void credentialsComeInPairsAndThePasswordIsNeverPrinted() throws Exception {
    EtcdConfig c = parse(with("hosts", "h:1", "username", "patroni", "password", 12345));
    assertEquals(Optional.of("patroni"), c.username());
    assertEquals(Optional.of("12345"), c.password(), "a YAML number is a password too");
    assertFalse(c.toString().contains("12345"), c.toString());
    assertTrue(c.toString().contains("patroni"));
    assertEquals("password", failingKey(with("hosts", "h:1", "username", "u")));
    assertEquals("username", failingKey(with("hosts", "h:1", "password", "secret")));
    assertEquals("username", failingKey(with("hosts", "h:1", "username", "", "password", "p")));
    DcsConfigException e = assertThrows(DcsConfigException.class,
        () -> parse(with("hosts", "h:1", "password", "s3cr3t-value")));
    assertFalse(e.getMessage().contains("s3cr3t-value"), e.getMessage());
  }

  @Test
  void unknownAndUnsupportedKeysAreRefusedByName() {
    DcsConfigException typo = assertThrows(DcsConfigException.class, () -> parse(with("hosts", "h:1", "hots", "x")));
    assertEquals("hots", typo.key());
    assertTrue(typo.getMessage().contains("known: cacert, cert, host, hosts, key, password, protocol, username"),
        typo.getMessage());
    for (String discovery : List.of("url", "proxy", "srv", "srv_suffix", "use_proxies")) {
      DcsConfigException e = assertThrows(DcsConfigException.class,
          () -> parse(with("hosts", "h:1", discovery, "x")));
      assertEquals(discovery, e.key());
      assertTrue(e.getMessage().contains("'hosts'"), e.getMessage());
    }
  }
}
