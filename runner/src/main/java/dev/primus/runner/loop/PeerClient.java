package dev.primus.runner.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks other members for their status during a leader race: {@code GET <api_url>} ({@code .../patroni}),
 * all at once, each with a short timeout and no retry (Patroni uses 2 s), parsed into {@link PeerStatus}.
 * A member without an {@code api_url}, one that does not answer in time, or one whose answer cannot be
 * used is a {@link PeerAnswer.NoAnswer}.
 */
@FunctionalInterface
public interface PeerClient {

  /** Patroni's timeout for one peer's answer in a leader race. */
  Duration TIMEOUT = Duration.ofSeconds(2);

  /** The answers of {@code members}, by name, as {@code view} lists their {@code api_url}s. */
  Map<String, PeerAnswer> query(ClusterView view, List<String> members);

  /** The HTTP implementation, with {@code client} (its SSL context decides how HTTPS peers are trusted). */
  static PeerClient http(HttpClient client, Duration timeout) {
    return new Http(client, timeout);
  }

  /**
   * Reads a {@code GET /patroni} answer the way Patroni's leader race does: the role says whether the
   * peer is in recovery ({@code primary} and the legacy {@code master} are not); the WAL position is
   * {@code xlog.location} of a primary, else max(received, replayed). An answer without {@code xlog}
   * (the server is not running, so nothing can be known of its WAL) is no answer.
   */
  static PeerAnswer parse(String body) {
    JsonNode doc;
    try {
      doc = Http.JSON.readTree(body);
    } catch (java.io.IOException e) {
      return new PeerAnswer.NoAnswer("not JSON: " + e.getMessage());
    }
    if (doc == null || !doc.isObject()) {
      return new PeerAnswer.NoAnswer("not a JSON object");
    }
    String role = doc.path("role").asText("").toLowerCase(Locale.ROOT);
    boolean primary = role.equals("primary") || role.equals("master");
    JsonNode xlog = doc.get("xlog");
    if (xlog == null || !xlog.isObject()) {
      return new PeerAnswer.NoAnswer("no xlog in the answer (state " + doc.path("state").asText("unknown") + ")");
    }
    long wal = primary && xlog.has("location")
        ? xlog.path("location").asLong(0)
        : Math.max(xlog.path("received_location").asLong(0), xlog.path("replayed_location").asLong(0));
    long timeline = doc.path("timeline").asLong(0);
    JsonNode tags = doc.path("tags");
    boolean noFailover = truthy(tags.get("nofailover"));
    int priority = tags.has("failover_priority") ? tags.path("failover_priority").asInt(Tags.DEFAULT_FAILOVER_PRIORITY)
        : Tags.DEFAULT_FAILOVER_PRIORITY;
    boolean watchdogFailed = truthy(doc.get("watchdog_failed"));
    return new PeerAnswer.Answered(new PeerStatus(!primary, wal, timeline, noFailover, priority, watchdogFailed));
  }

  private static boolean truthy(JsonNode n) {
    if (n == null || n.isNull()) {
      return false;
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isNumber()) {
      return n.asLong() != 0;
    }
    return List.of("true", "on", "yes", "1").contains(n.asText("").trim().toLowerCase(Locale.ROOT));
  }

  /** The HTTP implementation. */
  final class Http implements PeerClient {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final Duration timeout;

    Http(HttpClient client, Duration timeout) {
      this.client = Objects.requireNonNull(client, "client");
      this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public Map<String, PeerAnswer> query(ClusterView view, List<String> members) {
      Map<String, CompletableFuture<PeerAnswer>> pending = new LinkedHashMap<>();
      Map<String, PeerAnswer> out = new LinkedHashMap<>();
      for (String name : members) {
        Optional<String> url = view.member(name).map(Member::status).map(s -> s.apiUrl()).filter(u -> !u.isBlank());
        if (url.isEmpty()) {
          out.put(name, new PeerAnswer.NoAnswer("no api_url"));
          continue;
        }
        HttpRequest req;
        try {
          req = HttpRequest.newBuilder(URI.create(url.get())).timeout(timeout).GET().build();
        } catch (IllegalArgumentException e) {
          out.put(name, new PeerAnswer.NoAnswer("bad api_url " + url.get()));
          continue;
        }
        pending.put(name, client.sendAsync(req, HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> r.statusCode() == 200 || r.statusCode() == 503
                // Patroni answers /patroni with 200; health-check paths may say 503 with the same body.
                ? parse(r.body())
                : (PeerAnswer) new PeerAnswer.NoAnswer("HTTP " + r.statusCode()))
            .exceptionally(e -> new PeerAnswer.NoAnswer(String.valueOf(e.getCause() != null ? e.getCause() : e))));
      }
      long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
      for (Map.Entry<String, CompletableFuture<PeerAnswer>> e : pending.entrySet()) {
        long left = Math.max(0, deadline - System.nanoTime());
        try {
          out.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
        } catch (TimeoutException t) {
          e.getValue().cancel(true);
          out.put(e.getKey(), new PeerAnswer.NoAnswer("no answer within " + timeout.toMillis() + " ms"));
        } catch (ExecutionException x) {
          out.put(e.getKey(), new PeerAnswer.NoAnswer(String.valueOf(x.getCause())));
        } catch (InterruptedException i) {
          Thread.currentThread().interrupt();
          out.put(e.getKey(), new PeerAnswer.NoAnswer("interrupted"));
        }
      }
      return out;
    }
  }
}
