package dev.primus.bench.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the bench reads from etcd: the leader key of a cluster and the server's request counters.
 *
 * <p>Plain HTTP on purpose, not a jetcd client: the leader key through etcd's JSON gateway
 * ({@code POST /v3/kv/range}), one request per read and nothing in the background, so the bench adds no
 * DCS traffic of its own while the agents' idle traffic is counted. The counters come from the metrics
 * listener, which is not a gRPC service and so does not count itself.
 */
public final class EtcdView {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** {@code grpc_server_msg_received_total{grpc_method="Range",grpc_service="etcdserverpb.KV",...} 42}. */
  private static final Pattern RECEIVED = Pattern.compile(
      "^grpc_server_msg_received_total\\{([^}]*)}\\s+([0-9.eE+]+)\\s*$", Pattern.MULTILINE);
  private static final Pattern METHOD = Pattern.compile("grpc_method=\"([^\"]+)\"");

  private final URI client;
  private final URI metrics;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public EtcdView(URI client, URI metrics) {
    this.client = client;
    this.metrics = metrics;
  }

  /** The leader key's value (the member's name) and its create revision; empty when there is no leader. */
  record Leader(String name, long createRevision) {}

  /** {@code /service/<scope>/leader}, Patroni's layout, which Primus keeps. */
  Optional<Leader> leader(String scope) throws IOException, InterruptedException {
    String key = "/service/" + scope + "/leader";
    String body = "{\"key\":\"" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)) + "\"}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(client.resolve("/v3/kv/range"))
        .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("etcd range " + key + ": HTTP " + r.statusCode() + " " + r.body());
    }
    JsonNode kvs = JSON.readTree(r.body()).path("kvs");
    if (!kvs.isArray() || kvs.isEmpty()) {
      return Optional.empty();
    }
    JsonNode kv = kvs.get(0);
    String name = new String(Base64.getDecoder().decode(kv.path("value").asText("")), StandardCharsets.UTF_8);
    return Optional.of(new Leader(name, kv.path("create_revision").asLong()));
  }

  /** The leader key's value, or empty; a failed read counts as "no answer yet" (the caller polls). */
  Optional<String> leaderName(String scope) throws InterruptedException {
    try {
      return leader(scope).map(Leader::name);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Messages the gRPC server has received, per method: a unary call is one, a keep-alive or a watch
   * creation on a stream is one each. This is "DCS requests": jetcd's streams and the JSON gateway that
   * Patroni 3.0.2 uses both end up here (the gateway forwards every HTTP call to the gRPC server).
   */
  public Map<String, Double> requestsByMethod() throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics.resolve("/metrics"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("etcd /metrics: HTTP " + r.statusCode());
    }
    Map<String, Double> out = new TreeMap<>();
    Matcher m = RECEIVED.matcher(r.body());
    while (m.find()) {
      Matcher method = METHOD.matcher(m.group(1));
      String name = method.find() ? method.group(1) : "?";
      out.merge(name, Double.parseDouble(m.group(2)), Double::sum);
    }
    if (out.isEmpty()) {
      throw new IOException("etcd /metrics has no grpc_server_msg_received_total");
    }
    return out;
  }
}
