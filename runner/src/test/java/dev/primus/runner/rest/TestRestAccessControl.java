package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.config.Secret;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Basic authentication (401) and the allowlist (403) on unsafe methods; safe methods stay open. */
class TestRestAccessControl {
  private final RestServers servers = new RestServers();
  private final FakeCommandsForRestTests commands = new FakeCommandsForRestTests(TestNodes.cluster());

  @AfterEach
  void stop() {
    servers.close();
  }

  private static RestApiConfig config(Optional<BasicAuth> auth, List<String> allowlist, boolean includeMembers,
      Map<String, String> headers) {
    return new RestApiConfig(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008), auth, Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), RestApiConfig.VerifyClient.NONE, allowlist,
        includeMembers, headers, Map.of("Strict-Transport-Security", "max-age=1"), 5);
  }

  private RestClient start(RestApiConfig cfg) throws Exception {
    return servers.start(cfg, TestNodes.LEADER_ID, new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED)),
        commands);
  }

  private static Map<String, String> basic(String user, String password) {
    return Map.of("Authorization", "Basic " + Base64.getEncoder()
        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void basicAuthenticationOnUnsafeMethods() throws Exception {
    RestClient c = start(config(Optional.of(new BasicAuth("admin", Secret.of("s3cret"))), List.of(), false, Map.of()));
    HttpResponse<String> none = c.send("POST", "/reload", "");
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
    assertEquals(401, c.send("POST", "/reload", "", basic("admin", "wrong")).statusCode());
    assertEquals(401, c.send("POST", "/reload", "", Map.of("Authorization", "Basic !!!")).statusCode());
    assertEquals(0, commands.reloads.get(), "refused requests do nothing");
    assertEquals(202, c.send("POST", "/reload", "", basic("admin", "s3cret")).statusCode());
    assertEquals(1, commands.reloads.get());
    assertEquals(401, c.send("PATCH", "/config", "{\"ttl\":25}").statusCode());
    assertEquals(401, c.send("DELETE", "/restart", null).statusCode());
    assertEquals(200, c.get("/patroni").statusCode(), "reads need no credentials");
    assertEquals(200, c.send("OPTIONS", "/", null).statusCode());
  }

  @Test
  void allowlistByNetwork() throws Exception {
    RestClient denied = start(config(Optional.empty(), List.of("10.0.0.0/8"), false, Map.of()));
    assertEquals(403, denied.send("POST", "/reload", "").statusCode());
    assertEquals(200, denied.get("/patroni").statusCode());
    RestClient allowed = start(config(Optional.empty(), List.of("10.0.0.0/8", "127.0.0.0/8"), false, Map.of()));
    assertEquals(202, allowed.send("POST", "/reload", "").statusCode());
  }

  @Test
  void allowlistByHostName() throws Exception {
    RestClient c = start(config(Optional.empty(), List.of("localhost"), false, Map.of()));
    assertEquals(202, c.send("POST", "/reload", "").statusCode());
  }

  @Test
  void allowlistIncludesMembers() throws Exception {
    // every member's api_url in the fixture is on 127.0.0.1
    RestClient c = start(config(Optional.empty(), List.of(), true, Map.of()));
    assertEquals(202, c.send("POST", "/reload", "").statusCode());
  }

  @Test
  void theAllowlistIsCheckedBeforeTheCredentials() throws Exception {
    RestClient c = start(config(Optional.of(new BasicAuth("admin", Secret.of("s3cret"))), List.of("192.0.2.0/24"),
        false, Map.of()));
    assertEquals(403, c.send("POST", "/reload", "").statusCode());
    assertEquals(403, c.send("POST", "/reload", "", basic("admin", "s3cret")).statusCode());
  }

  @Test
  void extraHeadersOnEveryResponse() throws Exception {
    RestClient c = start(config(Optional.empty(), List.of(), false, Map.of("X-Frame-Options", "SAMEORIGIN")));
    HttpResponse<String> r = c.get("/patroni");
    assertEquals("SAMEORIGIN", r.headers().firstValue("X-Frame-Options").orElse(""));
    assertFalse(r.headers().firstValue("Strict-Transport-Security").isPresent(), "HTTPS headers only over TLS");
  }

  @Test
  void networkMatching() throws Exception {
    AccessControl.Network n = AccessControl.Network.parse("10.1.0.0/16");
    assertTrue(n.contains(InetAddress.getByName("10.1.200.3")));
    assertFalse(n.contains(InetAddress.getByName("10.2.0.1")));
    assertTrue(AccessControl.Network.parse("10.1.2.3/25").contains(InetAddress.getByName("10.1.2.100")));
    assertFalse(AccessControl.Network.parse("10.1.2.3/25").contains(InetAddress.getByName("10.1.2.200")));
    assertTrue(n.contains(InetAddress.getByName("::ffff:10.1.0.9")), "IPv4-mapped addresses match IPv4 networks");
    assertTrue(AccessControl.Network.parse("2001:db8::/32").contains(InetAddress.getByName("2001:db8:1::5")));
    assertFalse(AccessControl.Network.parse("2001:db8::/32").contains(InetAddress.getByName("10.1.0.9")));
  }
}
