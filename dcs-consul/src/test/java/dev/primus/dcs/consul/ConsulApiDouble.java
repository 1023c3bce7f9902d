package dev.primus.dcs.consul;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A test double of Consul's HTTP API: a JDK {@link HttpServer} on 127.0.0.1 that records every
 * request and answers with responses the test scripts beforehand. It knows nothing of Consul's
 * semantics (no sessions, no KV, no Raft); it only lets the tests check which requests the store
 * builds and how it maps canned answers. It verifies nothing about a real Consul agent.
 */
final class ConsulApiDouble implements AutoCloseable {

  /** One request as the double received it. */
  record Recorded(String method, String path, Map<String, String> query, Map<String, String> headers, String body) {
    boolean has(String param) {
      return query.containsKey(param);
    }
  }

  /** A canned answer: status, headers, body, and an optional delay before it is sent. */
  record Canned(int status, Map<String, String> headers, String body, Duration delay) {
    static Canned json(int status, String body) {
      return new Canned(status, Map.of("Content-Type", "application/json"), body, Duration.ZERO);
    }

    static Canned text(int status, String body) {
      return new Canned(status, Map.of("Content-Type", "text/plain"), body, Duration.ZERO);
    }

    Canned withIndex(long index) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("X-Consul-Index", Long.toString(index));
      return new Canned(status, Map.copyOf(h), body, delay);
    }

    Canned after(Duration wait) {
      return new Canned(status, headers, body, wait);
    }
  }

  private final HttpServer server;
  private final Map<String, Deque<Canned>> scripted = new LinkedHashMap<>();
  private final List<Recorded> requests = new ArrayList<>();

  private final String scheme;

  ConsulApiDouble() throws IOException {
    this(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0), "http");
  }

  /**
   * The same double behind TLS, with {@code context}'s certificate; with {@code needClientAuth} it
   * refuses clients without a certificate {@code context} trusts.
   */
  static ConsulApiDouble https(SSLContext context, boolean needClientAuth) throws IOException {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setNeedClientAuth(needClientAuth);
        params.setSSLParameters(p);
      }
    });
    return new ConsulApiDouble(server, "https");
  }

  private ConsulApiDouble(HttpServer server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "consul-api-double");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  /** The double's base URL, {@code http(s)://127.0.0.1:<port>}. */
  URI endpoint() {
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Queues an answer for {@code method path} (path without the query). Answers are used in order; the
   * last one repeats. An unscripted request gets 599 so a test notices it.
   */
  synchronized ConsulApiDouble on(String method, String path, Canned answer) {
    scripted.computeIfAbsent(method + " " + path, k -> new ArrayDeque<>()).add(answer);
    return this;
  }

  synchronized List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** The only request to {@code method path}; fails if there is not exactly one. */
  synchronized Recorded only(String method, String path) {
    List<Recorded> matching = requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + method + " " + path + ", got " + matching.size() + ": " + requests);
    }
    return matching.get(0);
  }

  synchronized List<Recorded> all(String method, String path) {
    return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    // Decoded, as Consul's Go router sees it: consul-client (Retrofit) sends a key's slashes as %2F.
    String path = exchange.getRequestURI().getPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
    Canned answer;
    synchronized (this) {
      requests.add(new Recorded(exchange.getRequestMethod(), path, query, Map.copyOf(headers), body));
      Deque<Canned> queue = scripted.get(exchange.getRequestMethod() + " " + path);
      if (queue == null || queue.isEmpty()) {
        answer = Canned.text(599, "unscripted request " + exchange.getRequestMethod() + " " + path);
      } else {
        answer = queue.size() > 1 ? queue.poll() : queue.peek();
      }
    }
    try {
      if (!answer.delay().isZero()) {
        Thread.sleep(answer.delay().toMillis());
      }
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The client gave up (a deadline test); nothing to answer.
    } finally {
      exchange.close();
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  /** A KV entry as Consul's JSON has it. */
  static String entry(String consulKey, Optional<String> value, long modifyIndex, Optional<String> session) {
    return "{\"LockIndex\":" + (session.isPresent() ? 1 : 0) + ",\"Key\":\"" + consulKey + "\",\"Flags\":0,"
        + "\"Value\":" + value.map(v -> "\"" + Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)) + "\"")
            .orElse("null")
        + session.map(s -> ",\"Session\":\"" + s + "\"").orElse("")
        + ",\"CreateIndex\":" + modifyIndex + ",\"ModifyIndex\":" + modifyIndex + "}";
  }

  /** A session as {@code /v1/session/info} and {@code /v1/session/renew} return it. */
  static String session(String id, String ttl) {
    return "[{\"ID\":\"" + id + "\",\"Name\":\"primus\",\"Node\":\"node1\",\"LockDelay\":0,\"Behavior\":\"delete\","
        + "\"TTL\":\"" + ttl + "\",\"NodeChecks\":[],\"Checks\":[],\"CreateIndex\":7,\"ModifyIndex\":7}]";
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
