package dev.primus.agent;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Member;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.FailsafeNotice;
import dev.primus.ha.LocalState;
import dev.primus.ha.PeerAnswer;
import dev.primus.ha.PeerStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The runtime's {@link PeerClient}: a member running in the same runtime is asked directly (its last
 * published {@link AgentStatus}, its {@link AgentCommands#failsafe}); any other over HTTP at its
 * {@code api_url}, all at once, each with the timeout and no retry.
 */
final class RuntimePeers implements PeerClient {
  private final Function<String, Optional<PrimusAgent>> local;
  private final Supplier<HttpClient> http;
  private final Duration timeout;

  RuntimePeers(Function<String, Optional<PrimusAgent>> local, Supplier<HttpClient> http, Duration timeout) {
    this.local = Objects.requireNonNull(local, "local");
    this.http = Objects.requireNonNull(http, "http");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public CompletionStage<Map<String, PeerAnswer>> query(ClusterView view, List<String> members) {
    Map<String, CompletableFuture<PeerAnswer>> pending = new LinkedHashMap<>();
    for (String name : members) {
      Optional<String> url = view.member(name).map(Member::status).map(s -> s.apiUrl()).filter(u -> !u.isBlank())
          // A member the failsafe key lists but without a member key (a primary on failsafe without the DCS).
          .or(() -> view.failsafe().map(f -> f.get(name))).filter(u -> u != null && !u.isBlank());
      if (url.isEmpty()) {
        pending.put(name, CompletableFuture.completedFuture(new PeerAnswer.NoAnswer("no api_url")));
        continue;
      }
      Optional<PrimusAgent> same = local.apply(url.get());
      if (same.isPresent()) {
        pending.put(name, CompletableFuture.completedFuture(answerOf(same.get().status())));
        continue;
      }
      pending.put(name, get(url.get()));
    }
    return all(pending, PeerAnswer.NoAnswer::new);
  }

  @Override
  public CompletionStage<Map<String, FailsafeAnswer>> askFailsafe(Map<String, String> members, FailsafeRequest request) {
    Map<String, CompletableFuture<FailsafeAnswer>> pending = new LinkedHashMap<>();
    for (Map.Entry<String, String> m : members.entrySet()) {
      Optional<PrimusAgent> same = local.apply(m.getValue());
      if (same.isPresent()) {
        FailsafeNotice notice = new FailsafeNotice(request.name(), request.apiUrl(), request.connUrl(),
            same.get().clock().instant());
        pending.put(m.getKey(), CompletableFuture.completedFuture(same.get().commands().failsafe(notice).answer()));
        continue;
      }
      pending.put(m.getKey(), post(m.getValue(), request));
    }
    return all(pending, FailsafeAnswer.Refused::new);
  }

  /** What {@code GET /patroni} would have told about a member of this runtime. */
  static PeerAnswer answerOf(AgentStatus s) {
    LocalState l = s.local();
    if (!l.isRunning()) {
      return new PeerAnswer.NoAnswer("no xlog in the answer (state " + s.state().wire() + ")");
    }
    boolean primary = l.isRunningPrimary();
    long wal = primary ? l.walPosition() : Math.max(l.receiveLsn().orElse(0L), l.replayLsn().orElse(0L));
    return new PeerAnswer.Answered(new PeerStatus(!primary, wal, l.timeline().orElse(0L), s.tags().noFailover(),
        s.tags().failoverPriority(), s.watchdogFailed()));
  }


  private CompletableFuture<PeerAnswer> get(String url) {
    HttpRequest req;
    try {
      req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(new PeerAnswer.NoAnswer("bad api_url " + url));
    }
    return http.get().sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> r.statusCode() == 200 || r.statusCode() == 503
            // Patroni answers /patroni with 200; health-check paths may say 503 with the same body.
            ? PeerClient.parse(r.body())
            : (PeerAnswer) new PeerAnswer.NoAnswer("HTTP " + r.statusCode()))
        .exceptionally(e -> new PeerAnswer.NoAnswer(String.valueOf(e.getCause() != null ? e.getCause() : e)));
  }

  private CompletableFuture<FailsafeAnswer> post(String apiUrl, FailsafeRequest request) {
    HttpRequest req;
    try {
      req = HttpRequest.newBuilder(PeerClient.endpoint(apiUrl, "failsafe")).timeout(timeout)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(request.json())).build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(new FailsafeAnswer.Refused("bad api_url " + apiUrl));
    }
    return http.get().sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> PeerClient.failsafeAnswer(r.statusCode(), r.body(), r.headers().firstValue("lsn")))
        .exceptionally(e -> new FailsafeAnswer.Refused(String.valueOf(e.getCause() != null ? e.getCause() : e)));
  }

  /** Every answer, each bounded by the timeout (plus a little), whatever the HTTP client does. */
  private <T> CompletionStage<Map<String, T>> all(Map<String, CompletableFuture<T>> pending,
      Function<String, T> failed) {
    Map<String, CompletableFuture<T>> bounded = new LinkedHashMap<>();
    pending.forEach((name, f) -> bounded.put(name, f.completeOnTimeout(
        failed.apply("no answer within " + timeout.toMillis() + " ms"), timeout.toMillis() + 200, TimeUnit.MILLISECONDS)));
    return CompletableFuture.allOf(bounded.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      Map<String, T> out = new LinkedHashMap<>();
      bounded.forEach((name, f) -> out.put(name, f.join()));
      return out;
    });
  }
}
