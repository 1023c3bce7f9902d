package dev.primus.runner.rest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.Timings;
import dev.primus.agent.AgentCommands;
import dev.primus.agent.AgentCommands.ReinitializeResult;
import dev.primus.agent.AgentCommands.RestartResult;
import dev.primus.agent.AgentCommands.SwitchoverResult;
import dev.primus.ha.RestartRequest;
import dev.primus.ha.SwitchoverCheck;
import dev.primus.ha.SwitchoverRequest;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.rest.JsonBody.BadRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes requests as Patroni does (by the first path segment for named endpoints, otherwise to the
 * health checks) and turns each outcome into its status code.
 */
final class RestHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RestHandler.class);
  private static final int MAX_BODY = 1 << 20;
  private static final String JSON = "application/json";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final Set<String> SWITCHOVER_FIELDS = Set.of("leader", "candidate", "member", "scheduled_at");
  private static final Set<String> RESTART_FIELDS = Set.of("schedule", "role", "postgres_version", "timeout",
      "restart_pending");
  private static final Set<String> REINIT_FIELDS = Set.of("force", "from_leader", "from-leader");
  private static final java.util.regex.Pattern SECONDS = java.util.regex.Pattern.compile("\\s*(\\d+)\\s*(s|min|h|)\\s*");

  private final NodeIdentity id;
  private final NodeStatusSource source;
  private final AgentCommands commands;
  private final Clock clock;
  private final AccessControl access;
  private final Map<String, String> extraHeaders;

  RestHandler(RestApiConfig config, NodeIdentity id, NodeStatusSource source, AgentCommands commands, Clock clock) {
    this.id = id;
    this.source = source;
    this.commands = commands;
    this.clock = clock;
    this.access = new AccessControl(config);
    Map<String, String> headers = new LinkedHashMap<>(config.httpExtraHeaders());
    if (config.tls()) {
      headers.putAll(config.httpsExtraHeaders());
    }
    this.extraHeaders = Map.copyOf(headers);
  }

  /** An answer: JSON, text, or a bare status line (HEAD, OPTIONS, liveness, readiness). */
  private sealed interface Response {
    int code();
  }

  private record Json(int code, Object body) implements Response {}

  private record Text(int code, String body, String contentType, Map<String, String> headers) implements Response {
    Text(int code, String body) {
      this(code, body, TEXT, Map.of());
    }

    Text(int code, String body, String contentType) {
      this(code, body, contentType, Map.of());
    }
  }

  private record StatusOnly(int code) implements Response {}

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Response r;
      try {
        r = dispatch(ex);
      } catch (BadRequest e) {
        r = new Text(400, e.getMessage());
      } catch (DcsException e) {
        r = new Text(503, "the DCS cannot be reached: " + e.getMessage());
      } catch (RuntimeException e) {
        LOG.warn("REST {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        r = new Text(500, "internal error: " + e);
      }
      send(ex, r);
    }
  }

  private Response dispatch(HttpExchange ex) throws BadRequest, DcsException, IOException {
    String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
    URI uri = ex.getRequestURI();
    String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    Map<String, List<String>> query = query(uri.getRawQuery());
    String first = path.replaceFirst("^/+", "").split("/", 2)[0];
    switch (method) {
      case "GET":
        return get(first, path, query);
      case "HEAD":
      case "OPTIONS":
        // load balancers read only the status line (HAProxy's httpchk sends OPTIONS /)
        NodeStatus s = source.live();
        return new StatusOnly(HealthChecks.code(path, query, s, id, clock.instant()));
      case "POST":
      case "PUT":
      case "PATCH":
      case "DELETE":
        return unsafe(ex, method, first);
      default:
        return new Text(501, "unsupported method " + method);
    }
  }

  // ---- GET ----------------------------------------------------------------------------------

  private Response get(String first, String path, Map<String, List<String>> query) {
    switch (first) {
      case "patroni":
        return new Json(200, Documents.status(source.live(), id));
      case "metrics":
        return new Text(200, Metrics.render(source.live(), id, source.loopTimes()), "text/plain; version=0.0.4; charset=utf-8");
      case "readiness":
        return new StatusOnly(HealthChecks.readiness(query, source.live(), clock.instant()));
      default:
        break;
    }
    // What only the DCS or the loop knows needs no fresh look at the database.
    NodeStatus s = source.current();
    switch (first) {
      case "cluster":
        return new Json(200, Documents.cluster(s.cluster(), id, s.standbyCluster()));
      case "history":
        return new Json(200, Documents.history(s.cluster().history()));
      case "config":
        return s.cluster().config()
            .<Response>map(c -> new Json(200, c.value().values()))
            .orElse(new Text(502, "the cluster has no configuration in the DCS"));
      case "liveness":
        return new StatusOnly(HealthChecks.liveness(s, clock.instant()));
      case "failsafe":
        return s.config().failsafeMode() && s.cluster().failsafe().isPresent()
            ? new Json(200, s.cluster().failsafe().get())
            : new Text(502, "failsafe mode is not active");
      default:
        NodeStatus live = source.live();
        return new Json(HealthChecks.code(path, query, live, id, clock.instant()), Documents.status(live, id));
    }
  }

  // ---- unsafe methods -----------------------------------------------------------------------

  private interface Command {
    Response run(HttpExchange ex) throws BadRequest, DcsException, IOException;
  }

  private Response unsafe(HttpExchange ex, String method, String first) throws BadRequest, DcsException, IOException {
    if (method.equals("POST") && first.equals("failsafe")) {
      // Peer to peer, and Patroni applies neither authentication nor the allowlist to it.
      return postFailsafe(ex);
    }
    Command c = command(method, first);
    if (c == null) {
      return new Text(501, "unsupported method " + method + " " + ex.getRequestURI().getPath());
    }
    switch (access.check(ex, source.current().cluster())) {
      case FORBIDDEN:
        return new Text(403, "forbidden");
      case UNAUTHORIZED:
        return new Text(401, "authentication required");
      default:
        return c.run(ex);
    }
  }

  private Command command(String method, String first) {
    switch (method + " " + first) {
      case "POST switchover": return ex -> switchover(ex, SwitchoverRequest.Kind.SWITCHOVER);
      case "POST failover": return ex -> switchover(ex, SwitchoverRequest.Kind.FAILOVER);
      case "POST restart": return this::restart;
      case "POST reload": return ex -> {
        commands.reload();
        return new Text(202, "reload scheduled");
      };
      case "POST reinitialize": return this::reinitialize;
      case "PATCH config": return this::patchConfig;
      case "PUT config": return this::putConfig;
      case "DELETE switchover": return ex -> deleteSwitchover();
      case "DELETE restart": return ex -> commands.cancelScheduledRestart()
          ? new Text(200, "scheduled restart deleted")
          : new Text(404, "no restart is scheduled");
      default: return null;
    }
  }

  private Response switchover(HttpExchange ex, SwitchoverRequest.Kind requested) throws BadRequest, DcsException,
      IOException {
    Optional<JsonBody> read = body(ex, true);
    if (read.isEmpty()) {
      return new Text(411, "a request body with Content-Length is required");
    }
    JsonBody body = read.get().only(SWITCHOVER_FIELDS);
    if (body.isEmpty()) {
      throw new BadRequest("the body must name the leader (switchover) or the candidate (failover)");
    }
    Optional<String> leader = body.string("leader");
    Optional<String> member = body.string("member");
    // "member" is the older name of "candidate"
    Optional<String> candidate = body.string("candidate").or(() -> member);
    Optional<String> scheduleText = body.string("scheduled_at");
    ClusterView cluster = commands.readCluster();
    boolean paused = cluster.paused();

    if (requested == SwitchoverRequest.Kind.FAILOVER && candidate.isEmpty()) {
      throw new BadRequest("a failover needs a candidate");
    }
    if (requested == SwitchoverRequest.Kind.SWITCHOVER && leader.isEmpty()) {
      throw new BadRequest("a switchover needs the name of the current leader");
    }
    Optional<OffsetDateTime> scheduledAt = Optional.empty();
    if (scheduleText.isPresent()) {
      if (requested == SwitchoverRequest.Kind.FAILOVER) {
        throw new BadRequest("a failover cannot be scheduled; schedule a switchover instead");
      }
      if (paused) {
        throw new BadRequest("a switchover cannot be scheduled while the cluster is paused");
      }
      Object parsed = schedule(scheduleText.get(), "switchover");
      if (parsed instanceof Response r) {
        return r;
      }
      scheduledAt = Optional.of((OffsetDateTime) parsed);
    }
    if (paused && candidate.isEmpty()) {
      throw new BadRequest("while the cluster is paused a switchover needs a candidate");
    }
    // a failover that names the leader is a switchover, as in Patroni
    SwitchoverRequest.Kind kind = leader.isPresent() ? SwitchoverRequest.Kind.SWITCHOVER : requested;
    if (leader.isPresent() && leader.equals(candidate)) {
      throw new BadRequest("the candidate '" + candidate.get() + "' is the leader already");
    }
    SwitchoverRequest request = new SwitchoverRequest(kind, leader, candidate, scheduledAt);
    if (scheduledAt.isEmpty()) {
      // The rule the agent and the leader apply too, judged here first by the member keys so an impossible
      // request is refused at once; the agent then asks the candidates themselves.
      Optional<String> impossible = SwitchoverCheck.refusal(cluster, request, Map.of());
      if (impossible.isPresent()) {
        return new Text(412, requested.noun() + " is not possible: " + impossible.get());
      }
    }
    SwitchoverResult result = await(commands.switchover(request), SWITCHOVER_WAIT,
        () -> new SwitchoverResult.Failed(capitalized(requested.noun()) + " status unknown"));
    return switchoverAnswer(requested, candidate, result);
  }

  /**
   * The answer to {@code POST /switchover} or {@code /failover} in Patroni 3.0.2's words, which name the
   * endpoint asked (a failover that names the leader runs as a switchover, but is answered as a failover):
   * {@code Successfully failed over to "node3"}, {@code Switched over to "node3" instead of "node2"},
   * {@code Switchover scheduled}; {@code patronictl} prints them as they are.
   */
  private static Response switchoverAnswer(SwitchoverRequest.Kind requested, Optional<String> candidate,
      SwitchoverResult result) {
    if (result instanceof SwitchoverResult.Scheduled) {
      return new Text(202, capitalized(requested.noun()) + " scheduled");
    }
    if (result instanceof SwitchoverResult.Completed done) {
      String msg = candidate.isEmpty() || candidate.get().equals(done.newLeader())
          ? "Successfully " + requested.pastTense() + " to \"" + done.newLeader() + "\""
          : capitalized(requested.pastTense()) + " to \"" + done.newLeader() + "\" instead of \"" + candidate.get()
              + "\"";
      return new Text(200, msg);
    }
    if (result instanceof SwitchoverResult.NotPossible np) {
      return new Text(412, requested.noun() + " is not possible: " + np.reason());
    }
    return new Text(503, ((SwitchoverResult.Failed) result).reason());
  }

  private Response deleteSwitchover() throws DcsException {
    ClusterView cluster = commands.readCluster();
    Optional<Versioned<FailoverRequest>> failover = cluster.failover()
        .filter(f -> f.value().scheduledAt().isPresent());
    if (failover.isEmpty()) {
      return new Text(404, "no switchover is scheduled");
    }
    WriteResult r = commands.clearFailover(failover.get().version());
    return r.succeeded()
        ? new Text(200, "scheduled switchover deleted")
        : new Text(409, "the failover key changed meanwhile; nothing was deleted");
  }

  private Response restart(HttpExchange ex) throws BadRequest, DcsException, IOException {
    JsonBody body = body(ex, false).orElseThrow().only(RESTART_FIELDS);
    NodeStatus s = source.current();
    if (s.paused() && body.fields().get("schedule") != null) {
      return new Text(500, "a restart cannot be scheduled while the cluster is paused");
    }
    Optional<OffsetDateTime> schedule = Optional.empty();
    Optional<String> scheduleText = body.string("schedule");
    if (scheduleText.isPresent()) {
      Object parsed = schedule(scheduleText.get(), "restart");
      if (parsed instanceof Response r) {
        return r;
      }
      schedule = Optional.of((OffsetDateTime) parsed);
    }
    Optional<MemberRole> role = body.string("role").map(r -> {
      MemberRole mr = MemberRole.fromWire(r);
      return mr == MemberRole.PRIMARY || mr == MemberRole.REPLICA || mr == MemberRole.STANDBY_LEADER ? mr : null;
    });
    if (body.fields().get("role") != null && role.isEmpty()) {
      throw new BadRequest("field 'role' must be primary, standby_leader or replica, got "
          + JsonBody.describe(body.fields().get("role")));
    }
    Optional<Integer> version = Optional.empty();
    Object v = body.fields().get("postgres_version");
    if (v != null) {
      version = Formats.postgresVersion(String.valueOf(v));
      if (version.isEmpty()) {
        throw new BadRequest("field 'postgres_version' must be a PostgreSQL version such as 15.2, got "
            + JsonBody.describe(v));
      }
    }
    Optional<Duration> timeout = Optional.empty();
    Object t = body.fields().get("timeout");
    if (t != null) {
      Optional<Long> seconds = timeoutSeconds(t);
      if (seconds.isEmpty() || seconds.get() <= 0) {
        throw new BadRequest("field 'timeout' must be a positive number of seconds, got " + JsonBody.describe(t));
      }
      timeout = Optional.of(Duration.ofSeconds(seconds.get()));
    }
    boolean pending = body.bool("restart_pending");
    Duration bound = timeout.orElse(Duration.ofSeconds(60)).multipliedBy(2).plusSeconds(30);
    RestartResult r = await(commands.restart(new RestartRequest(schedule, role, version, timeout, pending)), bound,
        () -> new RestartResult.Failed("the restart did not finish within " + bound.toSeconds() + " s"));
    if (r instanceof RestartResult.Restarted) {
      return new Text(200, "restarted successfully");
    }
    if (r instanceof RestartResult.Scheduled) {
      return new Text(202, "restart scheduled");
    }
    if (r instanceof RestartResult.AlreadyScheduled) {
      return new Text(409, "another restart is already scheduled");
    }
    return new Text(503, ((RestartResult.Failed) r).reason());
  }

  private static Optional<Long> timeoutSeconds(Object t) {
    if (t instanceof Number n) {
      return n.doubleValue() == Math.rint(n.doubleValue()) ? Optional.of(n.longValue()) : Optional.empty();
    }
    java.util.regex.Matcher m = SECONDS.matcher(String.valueOf(t));
    if (!m.matches()) {
      return Optional.empty();
    }
    long n = Long.parseLong(m.group(1));
    return Optional.of(m.group(2).equals("min") ? n * 60 : m.group(2).equals("h") ? n * 3600 : n);
  }

  /**
   * {@code POST /failsafe} from a primary that lost the DCS (Patroni's answers): 502 when failsafe mode is
   * off; 500 {@code Running as a leader} from a running primary; otherwise remember the sender and answer
   * 200 {@code Accepted} with this member's WAL position in the {@code lsn} header.
   */
  private Response postFailsafe(HttpExchange ex) throws BadRequest, IOException {
    NodeStatus s = source.current();
    if (!s.config().failsafeMode()) {
      return new Text(502, "failsafe mode is not enabled");
    }
    Optional<JsonBody> read = body(ex, true);
    if (read.isEmpty() || read.get().isEmpty()) {
      throw new BadRequest("a JSON object with name, conn_url and api_url is required");
    }
    JsonBody body = read.get();
    String name = required(body, "name");
    String connUrl = required(body, "conn_url");
    String apiUrl = required(body, "api_url");
    AgentCommands.FailsafeReply reply = commands.failsafe(new dev.primus.ha.FailsafeNotice(name, apiUrl, connUrl,
        clock.instant()));
    if (reply instanceof AgentCommands.FailsafeReply.Accepted a) {
      return new Text(200, "Accepted", TEXT, Map.of("lsn", Long.toString(a.walPosition())));
    }
    return reply instanceof AgentCommands.FailsafeReply.RunningAsLeader
        ? new Text(500, "Running as a leader")
        : new Text(502, "failsafe mode is not enabled");
  }

  private static String required(JsonBody body, String field) throws BadRequest {
    Optional<String> v = body.string(field);
    if (v.isEmpty() || v.get().isBlank()) {
      throw new BadRequest("field '" + field + "' is required (a non-empty string)");
    }
    return v.get();
  }

  private Response reinitialize(HttpExchange ex) throws BadRequest, IOException {
    JsonBody body = body(ex, false).orElseThrow().only(REINIT_FIELDS);
    boolean force = body.bool("force");
    boolean fromLeader = body.bool("from_leader") || body.bool("from-leader");
    ReinitializeResult r = await(commands.reinitialize(force, fromLeader), Duration.ofSeconds(30),
        () -> new ReinitializeResult.Refused("the agent did not pick the request up within 30 s"));
    return r instanceof ReinitializeResult.Refused refused
        ? new Text(503, refused.reason())
        : new Text(200, "reinitialize started");
  }

  private Response patchConfig(HttpExchange ex) throws BadRequest, DcsException, IOException {
    Optional<JsonBody> read = body(ex, true);
    if (read.isEmpty()) {
      return new Text(411, "a request body with Content-Length is required");
    }
    if (read.get().isEmpty()) {
      throw new BadRequest("the body must be a JSON object with the keys to change");
    }
    ClusterView cluster = commands.readCluster();
    Optional<Versioned<DynamicConfig>> current = cluster.config();
    if (current.isEmpty()) {
      return new Text(503, "the cluster has no configuration in the DCS to patch");
    }
    DynamicConfig patched = current.get().value().mergePatch(read.get().fields());
    checkTimings(read.get().fields(), patched);
    checkRefused(read.get().fields());
    if (!patched.equals(current.get().value())) {
      WriteResult w = commands.writeConfig(patched, OptionalLong.of(current.get().version()));
      if (!w.succeeded()) {
        return new Text(409, "the configuration changed meanwhile; read it again and retry");
      }
    }
    return new Json(200, patched.values());
  }

  private Response putConfig(HttpExchange ex) throws BadRequest, DcsException, IOException {
    Optional<JsonBody> read = body(ex, true);
    if (read.isEmpty()) {
      return new Text(411, "a request body with Content-Length is required");
    }
    if (read.get().isEmpty()) {
      throw new BadRequest("the body must be the whole configuration as a JSON object");
    }
    DynamicConfig replacement = new DynamicConfig(read.get().fields());
    checkTimings(read.get().fields(), replacement);
    checkRefused(read.get().fields());
    ClusterView cluster = commands.readCluster();
    boolean same = cluster.config().map(c -> c.value().equals(replacement)).orElse(false);
    if (!same) {
      try {
        if (!commands.writeConfig(replacement, OptionalLong.empty()).succeeded()) {
          return new Text(502, "the configuration could not be written");
        }
      } catch (DcsException e) {
        return new Text(502, "the configuration could not be written: " + e.getMessage());
      }
    }
    return new Json(200, replacement.values());
  }

  /**
   * Keys Primus does not implement and cannot ignore safely (standby_cluster, quorum), and values of the
   * keys it reads that no member could use: 400 naming the key. Only the request's keys are checked, so
   * that a cluster whose stored config is odd can still be paused.
   */
  private static void checkRefused(Map<String, Object> request) throws BadRequest {
    java.util.Optional<String> refused = dev.primus.runner.config.Refusals.inDynamicChange(request)
        .or(() -> dev.primus.runner.config.DynamicConfigCheck.firstProblem(request));
    if (refused.isPresent()) {
      throw new BadRequest(refused.get());
    }
  }

  /**
   * Refuses ttl, loop_wait or retry_timeout values no agent can run by (not whole seconds, not positive).
   * Values that break {@code loop_wait + 2 * retry_timeout <= ttl} are accepted, as Patroni accepts them:
   * every agent then bounds its own deadlines and logs why ({@code Timings.inEffect}). Only when the request
   * touches one of them.
   */
  private static void checkTimings(Map<String, Object> request, DynamicConfig result) throws BadRequest {
    if (!request.containsKey("ttl") && !request.containsKey("loop_wait") && !request.containsKey("retry_timeout")) {
      return;
    }
    for (String key : List.of("ttl", "loop_wait", "retry_timeout")) {
      Object v = result.values().get(key);
      if (v != null && !(v instanceof Integer || v instanceof Long)) {
        throw new BadRequest("'" + key + "' must be a whole number of seconds, got " + JsonBody.describe(v));
      }
    }
    for (String key : List.of("ttl", "loop_wait", "retry_timeout")) {
      Object v = result.values().get(key);
      if (v != null && ((Number) v).longValue() <= 0) {
        throw new BadRequest("'" + key + "' must be positive, got " + v);
      }
    }
  }

  /** The parsed schedule, or the response refusing it: 400 without a timezone, 422 unparsable or past. */
  private Object schedule(String text, String what) {
    Formats.Schedule s = Formats.parseSchedule(text);
    if (s instanceof Formats.Schedule.NoTimezone) {
      return new Text(400, "the scheduled " + what + " time needs a timezone, e.g. 2026-01-31T10:00:00+00:00");
    }
    if (s instanceof Formats.Schedule.Unparsable) {
      return new Text(422, "cannot parse the scheduled " + what + " time '" + text + "'; use ISO 8601, e.g."
          + " 2026-01-31T10:00:00+00:00");
    }
    OffsetDateTime at = ((Formats.Schedule.At) s).at();
    if (at.toInstant().isBefore(clock.instant())) {
      return new Text(422, "cannot schedule a " + what + " in the past (" + text + ")");
    }
    return at;
  }

  /** The longest a request waits for a switchover: longer than the agent's own bound (2 * max(10 s, loop_wait)). */
  private static final Duration SWITCHOVER_WAIT = Duration.ofSeconds(130);

  /** The stage's result within {@code bound}, or {@code late} (the REST thread must not wait forever). */
  private static <T> T await(java.util.concurrent.CompletionStage<T> stage, Duration bound,
      java.util.function.Supplier<T> late) {
    try {
      return stage.toCompletableFuture().get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return late.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return late.get();
    }
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /**
   * The request body as a JSON object. Empty when a body is {@code required} but the request has no
   * Content-Length (HTTP 411); an absent optional body reads as {@code {}}.
   */
  private static Optional<JsonBody> body(HttpExchange ex, boolean required) throws BadRequest, IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    String chunked = ex.getRequestHeaders().getFirst("Transfer-Encoding");
    if (length == null && chunked == null) {
      return required ? Optional.empty() : Optional.of(JsonBody.parse(new byte[0]));
    }
    byte[] bytes;
    try (InputStream in = ex.getRequestBody()) {
      bytes = in.readNBytes(MAX_BODY + 1);
    }
    if (bytes.length > MAX_BODY) {
      throw new BadRequest("the body is larger than " + MAX_BODY + " bytes");
    }
    return Optional.of(JsonBody.parse(bytes));
  }

  private static Map<String, List<String>> query(String raw) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  private void send(HttpExchange ex, Response r) throws IOException {
    extraHeaders.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
    if (r.code() == 401) {
      ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Primus\"");
    }
    byte[] bytes;
    if (r instanceof Json j) {
      ex.getResponseHeaders().set("Content-Type", JSON);
      bytes = JsonBody.MAPPER.writeValueAsBytes(j.body());
    } else if (r instanceof Text t) {
      ex.getResponseHeaders().set("Content-Type", t.contentType());
      t.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
      bytes = t.body().getBytes(StandardCharsets.UTF_8);
    } else {
      ex.sendResponseHeaders(r.code(), -1);
      return;
    }
    if (ex.getRequestMethod().equalsIgnoreCase("HEAD")) {
      ex.sendResponseHeaders(r.code(), -1);
      return;
    }
    ex.sendResponseHeaders(r.code(), bytes.length == 0 ? -1 : bytes.length);
    ex.getResponseBody().write(bytes);
  }
}
