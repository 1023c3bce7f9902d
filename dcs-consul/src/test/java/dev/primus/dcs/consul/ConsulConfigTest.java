package dev.primus.dcs.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.consul.ConsulConfig.Consistency;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every key of Patroni's {@code consul:} section, its default, and the error for each bad value. */
class ConsulConfigTest {
  private static final String CA = resource("tls/ca.pem");
  private static final String CERT = resource("tls/client.pem");
  private static final String KEY = resource("tls/client-key-sec1.pem");

  private static String resource(String name) {
    try {
      return Path.of(ConsulConfigTest.class.getClassLoader().getResource(name).toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(name, e);
    }
  }

  private static ConsulConfig parse(Map<String, Object> section) throws DcsConfigException {
    return ConsulConfig.from(new DcsSettings(section, Duration.ofSeconds(30), Duration.ofSeconds(10),
        ConsulConfigTest.class.getClassLoader()));
  }

  private static DcsConfigException refused(Map<String, Object> section) {
    return assertThrows(DcsConfigException.class, () -> parse(section), section.toString());
  }

  private static Map<String, Object> section(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void anEmptySectionPinsEveryDefault() throws Exception {
    ConsulConfig c = parse(Map.of());

    assertEquals(URI.create("http://127.0.0.1:8500"), c.endpoint(), "Patroni's default host 127.0.0.1:8500");
    assertEquals(Optional.empty(), c.token());
    assertEquals(Optional.empty(), c.dc(), "the agent's own datacenter");
    assertEquals(Consistency.DEFAULT, c.consistency());
    assertEquals(List.of(), c.checks());
    assertEquals(Optional.empty(), c.cacert());
    assertEquals(Optional.empty(), c.cert());
    assertEquals(Optional.empty(), c.key());
    assertTrue(c.verify());
    assertFalse(c.tls());
  }

  @Test
  void everyKeyIsRead() throws Exception {
    ConsulConfig c = parse(section("host", "consul.example:8501", "scheme", "https", "token", "s3cr3t", "dc", "eu-1",
        "consistency", "Stale", "checks", List.of("serfHealth", "service:pg"), "register_service", false,
        "cacert", CA, "cert", CERT, "key", KEY, "verify", "false"));

    assertEquals(URI.create("https://consul.example:8501"), c.endpoint());
    assertEquals(Optional.of("s3cr3t"), c.token());
    assertEquals(Optional.of("eu-1"), c.dc());
    assertEquals(Consistency.STALE, c.consistency());
    assertEquals(List.of("serfHealth", "service:pg"), c.checks());
    assertEquals(Optional.of(Path.of(CA)), c.cacert());
    assertEquals(Optional.of(Path.of(CERT)), c.cert());
    assertEquals(Optional.of(Path.of(KEY)), c.key());
    assertFalse(c.verify());
    assertTrue(c.tls());
  }

  @ParameterizedTest
  @CsvSource({
      "'consul.local',           ,     http://consul.local:8500",
      "'consul.local:8600',      ,     http://consul.local:8600",
      "'consul.local',           8700, http://consul.local:8700",
      "'consul.local:8700',      8700, http://consul.local:8700",
      "'[::1]:8500',             ,     http://[::1]:8500",
  })
  void hostAndPortMakeTheEndpoint(String host, Integer port, String expected) throws Exception {
    Map<String, Object> s = section("host", host);
    if (port != null) {
      s.put("port", port);
    }
    assertEquals(URI.create(expected), parse(s).endpoint());
  }

  @ParameterizedTest
  @CsvSource({
      "http://10.0.0.5:8500,  http://10.0.0.5:8500",
      "https://consul.local,  https://consul.local:443",
      "http://consul.local/,  http://consul.local:80",
      "HTTPS://consul.local:8501, https://consul.local:8501",
  })
  void urlGivesSchemeHostAndPort(String url, String expected) throws Exception {
    assertEquals(URI.create(expected), parse(section("url", url)).endpoint());
  }

  @Test
  void tlsFilesMakeHttpsTheDefaultScheme() throws Exception {
    assertEquals("https", parse(section("cacert", CA)).endpoint().getScheme());
    assertEquals("https", parse(section("cert", "" + Path.of(resource("tls/client-combined.pem")))).endpoint().getScheme());
  }

  @Test
  void theTokenIsNeverPrinted() throws Exception {
    ConsulConfig c = parse(section("token", "s3cr3t-acl-token"));
    assertFalse(c.toString().contains("s3cr3t"), c.toString());
    assertTrue(c.toString().contains("******"), c.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "hosts              | x                         | hosts",
      "host               | ''                        | host",
      "host               | http://consul:8500        | host",
      "host               | consul:abc                | host",
      "port               | 0                         | port",
      "port               | 70000                     | port",
      "port               | eighty                    | port",
      "scheme             | ftp                       | scheme",
      "url                | ftp://consul:8500         | url",
      "url                | http://consul:8500/v1     | url",
      "url                | http://user@consul:8500   | url",
      "url                | not a url                 | url",
      "token              | '  '                      | token",
      "dc                 | ''                        | dc",
      "consistency        | linearizable              | consistency",
      "verify             | maybe                     | verify",
      "register_service   | true                      | register_service",
      "service_tags       | primary                   | service_tags",
      "service_check_interval | 5s                    | service_check_interval",
      "cacert             | /nonexistent/ca.pem       | cacert",
  })
  void aBadValueIsRefusedNamingItsKey(String key, String value, String named) {
    DcsConfigException e = refused(section(key, value));
    assertEquals(named, e.key(), e.getMessage());
  }

  @Test
  void conflictingKeysAreRefusedNamingTheSecondOne() {
    assertEquals("port", refused(section("host", "consul:8500", "port", 8600)).key(), "two different ports");
    assertEquals("host", refused(section("url", "http://consul:8500", "host", "other")).key(), "url and host");
    assertEquals("scheme", refused(section("url", "http://consul:8500", "scheme", "https")).key(), "url and scheme");
    assertEquals("scheme", refused(section("scheme", "http", "cacert", CA)).key(), "TLS files over http");
    assertEquals("url", refused(section("url", "http://consul:8500", "cacert", CA)).key(), "TLS files over http");
    assertEquals("cert", refused(section("key", KEY)).key(), "a key without its certificate");
    assertEquals("checks[1]", refused(section("checks", List.of("serfHealth", " "))).key(), "an empty check id");
  }

  @Test
  void checksMayBeACommaSeparatedString() throws Exception {
    assertEquals(List.of("serfHealth", "service:pg"), parse(section("checks", "serfHealth, service:pg")).checks());
  }

  @Test
  void consistencyAcceptsPatronisThreeModes() throws Exception {
    assertEquals(Consistency.DEFAULT, parse(section("consistency", "default")).consistency());
    assertEquals(Consistency.CONSISTENT, parse(section("consistency", "consistent")).consistency());
    assertEquals(Consistency.STALE, parse(section("consistency", "stale")).consistency());
  }

  @Test
  void registerServiceFalseIsAccepted() throws Exception {
    assertEquals(URI.create("http://127.0.0.1:8500"), parse(section("register_service", false)).endpoint());
  }
}
