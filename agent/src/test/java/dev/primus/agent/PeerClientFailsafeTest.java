package dev.primus.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.primus.ha.FailsafeAnswer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POST /failsafe over real HTTP: who counts as having accepted, and what the primary sends. */
class PeerClientFailsafeTest {
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
  }

  /** A peer answering every POST /failsafe with {@code code} and {@code body}; returns its api_url. */
  private String peer(int code, String body, Map<String, String> headers) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/failsafe", ex -> {
      bodies.add(ex.getRequestMethod() + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(code, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    s.start();
    servers.add(s);
    return "http://127.0.0.1:" + s.getAddress().getPort() + "/patroni";
  }

  private static String closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort() + "/patroni";
    }
  }

  @Test
  void onlyA200AcceptedCountsAndTheLsnHeaderIsRead() throws Exception {
    PeerClient client = http(Duration.ofMillis(800));
    Map<String, String> members = Map.of(
        "node2", peer(200, "Accepted", Map.of("lsn", "4096")),
        "node3", peer(500, "Running as a leader", Map.of()),
        "node4", peer(200, "OK", Map.of()),
        "node5", closedPort());

    Map<String, FailsafeAnswer> got = client.askFailsafe(members,
        new PeerClient.FailsafeRequest("node1", "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", 777))
        .toCompletableFuture().join();

    assertEquals(new FailsafeAnswer.Accepted(Optional.of(4096L)), got.get("node2"));
    assertInstanceOf(FailsafeAnswer.Refused.class, got.get("node3"));
    assertTrue(((FailsafeAnswer.Refused) got.get("node3")).reason().contains("500"), got.toString());
    assertInstanceOf(FailsafeAnswer.Refused.class, got.get("node4"), "Patroni wants the body to be exactly Accepted");
    assertInstanceOf(FailsafeAnswer.Refused.class, got.get("node5"), "nobody listening");
    assertEquals(4, got.size());

    assertEquals(3, bodies.size());
    String sent = bodies.get(0);
    assertTrue(sent.startsWith("POST "), sent);
    Map<?, ?> doc = (Map<?, ?>) dev.primus.dcs.layout.PlainJson.parse(sent.substring(5));
    assertEquals("node1", doc.get("name"));
    assertEquals("postgres://127.0.0.1:5432/postgres", doc.get("conn_url"));
    assertEquals("http://127.0.0.1:8008/patroni", doc.get("api_url"));
    assertEquals(777, ((Number) ((Map<?, ?>) doc.get("slots")).get("node1")).intValue());
  }

  /** The runtime's peer client, with no member of its own runtime to short-cut. */
  private static PeerClient http(Duration timeout) {
    HttpClient client = HttpClient.newHttpClient();
    return new RuntimePeers(url -> Optional.empty(), () -> client, timeout);
  }

  @Test
  void theRaceReachesAFailsafeMemberWithoutAMemberKeyThroughTheKeysUrl() throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext("/patroni", ex -> {
      byte[] b = "{\"state\":\"running\",\"role\":\"primary\",\"timeline\":2,\"xlog\":{\"location\":4096}}"
          .getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    s.start();
    servers.add(s);
    dev.primus.dcs.model.ClusterView e = dev.primus.dcs.model.ClusterView.empty(dev.primus.dcs.spi.ConnectionState.CONNECTED);
    dev.primus.dcs.model.ClusterView view = new dev.primus.dcs.model.ClusterView(e.initialize(), e.config(), e.leader(),
        e.members(), e.failover(), e.sync(), e.history(), e.status(),
        Optional.of(Map.of("node1", "http://127.0.0.1:" + s.getAddress().getPort() + "/patroni")), e.invalid(),
        e.connection());

    Map<String, dev.primus.ha.PeerAnswer> got = http(Duration.ofSeconds(2))
        .query(view, List.of("node1", "node9")).toCompletableFuture().join();

    dev.primus.ha.PeerAnswer.Answered a = assertInstanceOf(dev.primus.ha.PeerAnswer.Answered.class, got.get("node1"));
    assertEquals(false, a.status().inRecovery(), "the primary on failsafe says it is alive");
    assertInstanceOf(dev.primus.ha.PeerAnswer.NoAnswer.class, got.get("node9"), "neither a member key nor in failsafe");
  }

  @Test
  void theEndpointReplacesTheApiUrlPath() {
    assertEquals("https://10.0.0.2:8008/failsafe", PeerClient.endpoint("https://10.0.0.2:8008/patroni", "failsafe").toString());
  }
}
