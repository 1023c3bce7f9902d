package dev.primus.runner.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.FailsafeAnswer;
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

  /**
   * What a primary without the DCS sends to each member of {@code failsafe} (Patroni's body).
   *
   * @param name        this member's name
   * @param connUrl     its PostgreSQL connection URL
   * @param apiUrl      its REST API URL
   * @param walPosition its current WAL position, sent as {@code slots: {<name>: lsn}}
   */
  record FailsafeRequest(String name, String connUrl, String apiUrl, long walPosition) {
    public FailsafeRequest {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(connUrl, "connUrl");
      Objects.requireNonNull(apiUrl, "apiUrl");
    }

    String json() {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("name", name);
      doc.put("conn_url", connUrl);
      doc.put("api_url", apiUrl);
      doc.put("slots", Map.of(name, walPosition));
      try {
        return Http.JSON.writeValueAsString(doc);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Sends {@code POST /failsafe} to {@code members} (name to {@code api_url}) in parallel, each with the
   * short timeout, and returns every member's answer: {@link FailsafeAnswer.Accepted} only for a 200 whose
   * body is exactly {@code Accepted}. This default refuses for everyone, so a client that cannot post
   * never keeps a primary up.
   */
  default Map<String, FailsafeAnswer> askFailsafe(Map<String, String> members, FailsafeRequest request) {
    Map<String, FailsafeAnswer> out = new LinkedHashMap<>();
    members.keySet().forEach(m -> out.put(m, new FailsafeAnswer.Refused("this peer client cannot send POST /failsafe")));
    return out;
  }

  /** {@code api_url} with its path replaced by {@code /<endpoint>}, as Patroni addresses a member's endpoints. */
  static URI endpoint(String apiUrl, String endpoint) {
    URI u = URI.create(apiUrl);
    return u.resolve("/" + endpoint);
  }

  /** Reads one {@code POST /failsafe} answer. */
  static FailsafeAnswer failsafeAnswer(int status, String body, Optional<String> lsnHeader) {
    if (status != 200 || !"Accepted".equals(body)) {
      return new FailsafeAnswer.Refused("HTTP " + status + " " + body);
    }
    Optional<Long> lsn = Optional.empty();
    try {
      lsn = lsnHeader.map(String::trim).map(Long::parseLong);
    } catch (NumberFormatException e) {
      // Patroni ignores an unreadable lsn header too: the answer still counts.
    }
    return new FailsafeAnswer.Accepted(lsn);
  }

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
        Optional<String> url = view.member(name).map(Member::status).map(s -> s.apiUrl()).filter(u -> !u.isBlank())
            // A member the failsafe key lists but without a member key (a primary on failsafe without the DCS).
            .or(() -> view.failsafe().map(f -> f.get(name))).filter(u -> u != null && !u.isBlank());
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
      return collect(pending, out, PeerAnswer.NoAnswer::new);
    }

    @Override
    public Map<String, FailsafeAnswer> askFailsafe(Map<String, String> members, FailsafeRequest request) {
      Map<String, CompletableFuture<FailsafeAnswer>> pending = new LinkedHashMap<>();
      Map<String, FailsafeAnswer> out = new LinkedHashMap<>();
      String body = request.json();
      for (Map.Entry<String, String> m : members.entrySet()) {
        HttpRequest req;
        try {
          req = HttpRequest.newBuilder(endpoint(m.getValue(), "failsafe")).timeout(timeout)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        } catch (IllegalArgumentException e) {
          out.put(m.getKey(), new FailsafeAnswer.Refused("bad api_url " + m.getValue()));
          continue;
        }
        pending.put(m.getKey(), client.sendAsync(req, HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> failsafeAnswer(r.statusCode(), r.body(), r.headers().firstValue("lsn")))
            .exceptionally(e -> new FailsafeAnswer.Refused(String.valueOf(e.getCause() != null ? e.getCause() : e))));
      }
      return collect(pending, out, FailsafeAnswer.Refused::new);
    }

    /**
     * Waits for the requests in flight, all against one deadline (the timeout plus a little), and adds
     * their answers to {@code out}; one that is late, failed or interrupted becomes {@code failed} with
     * the reason.
     */
    private <T> Map<String, T> collect(Map<String, CompletableFuture<T>> pending, Map<String, T> out,
        java.util.function.Function<String, T> failed) {
      long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
      for (Map.Entry<String, CompletableFuture<T>> e : pending.entrySet()) {
        long left = Math.max(0, deadline - System.nanoTime());
        try {
          out.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
        } catch (TimeoutException t) {
          e.getValue().cancel(true);
          out.put(e.getKey(), failed.apply("no answer within " + timeout.toMillis() + " ms"));
        } catch (ExecutionException x) {
          out.put(e.getKey(), failed.apply(String.valueOf(x.getCause())));
        } catch (InterruptedException i) {
          Thread.currentThread().interrupt();
          out.put(e.getKey(), failed.apply("interrupted"));
        }
      }
      return out;
    }
  }
}
