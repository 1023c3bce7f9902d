package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever a client sends to the REST API's unsafe endpoints, the server answers it: never a 5xx, never a
 * dropped connection; a rejection says why, and a field of the wrong type is named.
 */
class RestBodiesProperties {
  private static RestServers servers;
  private static RestClient client;

  private static final List<String> ENDPOINTS = List.of("POST /switchover", "POST /failover", "POST /restart",
      "POST /reinitialize", "PATCH /config", "PUT /config");

  /** The fields each endpoint reads, Patroni's names. */
  private static final Map<String, List<String>> FIELDS = Map.of(
      "POST /switchover", List.of("leader", "candidate", "scheduled_at"),
      "POST /failover", List.of("leader", "candidate", "scheduled_at"),
      "POST /restart", List.of("schedule", "role", "postgres_version", "timeout", "restart_pending"),
      "POST /reinitialize", List.of("force", "from_leader"),
      "PATCH /config", List.of("ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover", "postgresql", "slots",
          "synchronous_mode", "failsafe_mode"),
      "PUT /config", List.of("ttl", "loop_wait", "retry_timeout", "postgresql"));

  @BeforeContainer
  static void start() throws Exception {
    servers = new RestServers();
    client = servers.start(RestServers.plain(), TestNodes.LEADER_ID,
        new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED)), new FakeCommandsForRestTests(TestNodes.cluster()));
  }

  @AfterContainer
  static void stop() {
    servers.close();
  }

  @Property(tries = 300)
  void anyBodyIsAnsweredWithoutAServerError(@ForAll("endpoints") String endpoint, @ForAll("bodies") String body) {
    String[] mp = endpoint.split(" ");
    HttpResponse<String> r = client.send(mp[0], mp[1], body);
    assertTrue(r.statusCode() < 500 || r.statusCode() == 503,
        endpoint + " " + body + " -> " + r.statusCode() + " " + r.body());
    if (r.statusCode() >= 400) {
      assertFalse(r.body().isBlank(), "a rejection says why: " + endpoint + " " + body);
    }
    Statistics.collect(r.statusCode() / 100 + "xx");
  }

  @Property(tries = 200)
  void aFieldOfTheWrongTypeIsNamed(@ForAll("wrongTypes") Map.Entry<String, String> request) {
    String[] mp = request.getKey().split(" ", 3);
    String field = mp[2];
    HttpResponse<String> r = client.send(mp[0], mp[1], request.getValue());
    assertTrue(r.statusCode() < 500 || r.statusCode() == 503, request + " -> " + r.statusCode() + " " + r.body());
    if (r.statusCode() == 400) {
      assertTrue(r.body().contains(field), "the rejection of " + request.getValue() + " names " + field + ": " + r.body());
    }
    Statistics.collect(r.statusCode() == 400 ? "rejected" : "accepted");
    Statistics.coverage(c -> c.check("rejected").percentage(p -> p > 30));
  }

  @Provide
  Arbitrary<String> endpoints() {
    return Arbitraries.of(ENDPOINTS);
  }

  @Provide
  Arbitrary<String> bodies() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(60);
    Arbitrary<String> object = Combinators.combine(Arbitraries.of(allFields()), values())
        .as((k, v) -> "{\"" + k + "\":" + v + "}");
    return Arbitraries.oneOf(text, values(), object, Arbitraries.of("", "{", "{}", "[]", "null", "{\"leader\":}",
        "{\"a\":1,\"a\":2}", "\u0000", "{\"candidate\":\"node1\"} trailing"));
  }

  /**
   * A request whose one field has a value of another type than the endpoint reads (the other fields it
   * needs are valid), and that field.
   */
  @Provide
  Arbitrary<Map.Entry<String, String>> wrongTypes() {
    return Arbitraries.of(ENDPOINTS).flatMap(e -> Arbitraries.of(FIELDS.get(e)).flatMap(f ->
        Arbitraries.of(wrongValuesFor(f)).map(v -> {
          String base = e.endsWith("over") && !f.equals("leader") ? "\"leader\":\"node2\"," : "";
          return Map.entry(e + " " + f, "{" + base + "\"" + f + "\":" + v + "}");
        })));
  }

  private static final java.util.Set<String> TEXT = java.util.Set.of("leader", "candidate", "scheduled_at", "schedule",
      "role", "postgres_version");
  private static final java.util.Set<String> FLAGS = java.util.Set.of("restart_pending", "force", "from_leader",
      "failsafe_mode");
  private static final java.util.Set<String> SECTIONS = java.util.Set.of("postgresql", "slots");

  private static List<String> wrongValuesFor(String field) {
    if (TEXT.contains(field)) {
      return List.of("[1,2]", "{\"x\":1}");
    }
    if (FLAGS.contains(field)) {
      return List.of("[1,2]", "{\"x\":1}", "\"soon\"");
    }
    if (SECTIONS.contains(field)) {
      return List.of("[1,2]", "-7", "\"soon\"", "true");
    }
    return List.of("[1,2]", "{\"x\":1}", "\"soon\"");
  }

  private static Arbitrary<String> values() {
    return Arbitraries.oneOf(Arbitraries.longs().map(String::valueOf), Arbitraries.of("null", "true", "false", "[]",
        "{}", "\"\"", "1e400", "-1", "0", "\"node1\"", "\"nobody\"", "\"2026-13-45T99:00:00\"", "[\"node1\"]",
        "{\"ttl\":\"x\"}", "{\"parameters\":{\"max_connections\":\"many\"}}"));
  }

  private static List<String> allFields() {
    return FIELDS.values().stream().flatMap(List::stream).distinct().toList();
  }
}
