package dev.primus.agent;

import dev.primus.dcs.layout.PlainJson;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Tags;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * How an agent asks other members about themselves: their status during a leader race and before a
 * switchover ({@code GET <api_url>}, Patroni's {@code /patroni} document), and, in failsafe mode, whether
 * they let a primary without the DCS keep running ({@code POST /failsafe}). All members at once, each with
 * a short timeout and no retry (Patroni uses 2 s).
 *
 * <p>Implementations never fail the returned stage: a member without an {@code api_url}, one that does
 * not answer in time, or one whose answer cannot be used is a {@link PeerAnswer.NoAnswer} (a
 * {@link FailsafeAnswer.Refused}). {@link PrimusRuntime} provides the HTTP implementation, which answers
 * for members running in the same runtime without going through the network.
 */
public interface PeerClient {

  /** Patroni's timeout for one peer's answer. */
  Duration TIMEOUT = Duration.ofSeconds(2);

  /** The answers of {@code members}, by name, addressed by the {@code api_url}s {@code view} lists. */
  CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members);

  /**
   * Sends {@code POST /failsafe} to {@code members} (name to {@code api_url}); {@link FailsafeAnswer.Accepted}
   * only for a 200 whose body is exactly {@code Accepted}.
   */
  CompletionStage<Map<String, FailsafeAnswer>> askFailsafe(Map<String, String> members, FailsafeRequest request);

  /**
   * What a primary without the DCS sends to each member of {@code failsafe} (Patroni's body).
   *
   * @param name        the sender's member name
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

    /** The JSON body. */
    public String json() {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("name", name);
      doc.put("conn_url", connUrl);
      doc.put("api_url", apiUrl);
      doc.put("slots", Map.of(name, walPosition));
      return PlainJson.write(doc);
    }
  }

  /** {@code api_url} with its path replaced by {@code /<endpoint>}, as Patroni addresses a member's endpoints. */
  static URI endpoint(String apiUrl, String endpoint) {
    return URI.create(apiUrl).resolve("/" + endpoint);
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

  /**
   * Reads a {@code GET /patroni} answer the way Patroni's leader race does: the role says whether the
   * peer is in recovery ({@code primary} and the legacy {@code master} are not); the WAL position is
   * {@code xlog.location} of a primary, else max(received, replayed). An answer without {@code xlog}
   * (the server is not running, so nothing can be known of its WAL) is no answer.
   */
  static PeerAnswer parse(String body) {
    Object parsed;
    try {
      parsed = PlainJson.parse(body);
    } catch (IllegalArgumentException e) {
      return new PeerAnswer.NoAnswer("not JSON: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> doc)) {
      return new PeerAnswer.NoAnswer("not a JSON object");
    }
    String role = String.valueOf(doc.get("role")).toLowerCase(Locale.ROOT);
    boolean primary = role.equals("primary") || role.equals("master");
    if (!(doc.get("xlog") instanceof Map<?, ?> xlog)) {
      Object state = doc.get("state");
      return new PeerAnswer.NoAnswer("no xlog in the answer (state " + (state == null ? "unknown" : state) + ")");
    }
    long wal = primary && xlog.containsKey("location")
        ? number(xlog.get("location"))
        : Math.max(number(xlog.get("received_location")), number(xlog.get("replayed_location")));
    long timeline = number(doc.get("timeline"));
    Map<?, ?> tags = doc.get("tags") instanceof Map<?, ?> t ? t : Map.of();
    boolean noFailover = truthy(tags.get("nofailover"));
    int priority = tags.containsKey("failover_priority") ? (int) number(tags.get("failover_priority"))
        : Tags.DEFAULT_FAILOVER_PRIORITY;
    boolean watchdogFailed = truthy(doc.get("watchdog_failed"));
    return new PeerAnswer.Answered(new PeerStatus(!primary, wal, timeline, noFailover, priority, watchdogFailed));
  }

  private static long number(Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  private static boolean truthy(Object v) {
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.longValue() != 0;
    }
    return List.of("true", "on", "yes", "1").contains(String.valueOf(v).trim().toLowerCase(Locale.ROOT));
  }
}
