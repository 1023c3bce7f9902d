package dev.primus.runner.ctl;

import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsProvider;
import dev.primus.dcs.spi.DcsSettings;
import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.runner.wiring.Backends;
import dev.primus.runner.wiring.RestClientTls;
import dev.primus.runner.wiring.RestClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code primus ctl} invocation's connections: the DCS store (opened on first use, read directly
 * as patronictl does), the members' REST APIs, and the terminal for questions and answers.
 */
final class CtlContext implements AutoCloseable {
  /** patronictl's REST timeouts are short; a switchover answer can take 2 * max(10, loop_wait) s. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  final CtlSettings settings;
  final PrintWriter out;
  final PrintWriter err;
  private final BufferedReader in;
  private final ClassLoader loader;
  private KeyValueStore store;
  private final Map<String, PatroniDcs> dcsByScope = new HashMap<>();
  private HttpClient http;

  CtlContext(CtlSettings settings, ClassLoader loader, BufferedReader in, PrintWriter out, PrintWriter err) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.loader = Objects.requireNonNull(loader, "loader");
    this.in = Objects.requireNonNull(in, "in");
    this.out = Objects.requireNonNull(out, "out");
    this.err = Objects.requireNonNull(err, "err");
  }

  /** The cluster name: the one given on the command line, else the file's {@code scope}. */
  String cluster(Optional<String> given) {
    return given.or(settings::scope).orElseThrow(() ->
        new IllegalArgumentException("no cluster name given and the configuration has no scope"));
  }

  ClusterPath path(String cluster) {
    return ClusterPath.of(settings.namespace(), cluster);
  }

  KeyValueStore store() {
    if (store == null) {
      DcsProvider p = Backends.dcs(loader, settings.dcsType());
      try {
        store = p.create(new DcsSettings(settings.dcs(), settings.timings().ttl(), settings.timings().retryTimeout(),
            loader));
      } catch (DcsConfigException e) {
        throw new IllegalArgumentException(settings.dcsType() + "." + e.getMessage(), e);
      }
    }
    return store;
  }

  /**
   * The cluster's DCS operations. The member name is the ctl's own: only CAS writes of shared keys and
   * reads are made through it, never the lock or a member key.
   */
  PatroniDcs dcs(String cluster) {
    return dcsByScope.computeIfAbsent(cluster,
        c -> new PatroniDcs(store(), path(c), "primus-ctl", settings.timings().ttl()));
  }

  /** One read of the cluster. */
  ClusterView read(String cluster) throws DcsException {
    return PatroniCodec.decode(store().read(path(cluster).base()), path(cluster));
  }

  // ================================================================= REST

  /** An HTTP answer: status and body. */
  record Answer(int status, String body) {}

  /** The settings hold ctl's keys with restapi's as fallbacks already, and -k folded into ctl.insecure. */
  private RestClientTls tls() {
    return RestClientTls.forCtl(settings.ctl(), Optional.empty(), false);
  }

  private HttpClient http() throws IOException, GeneralSecurityException {
    if (http == null) {
      http = RestClients.client(tls(), CONNECT_TIMEOUT);
    }
    return http;
  }

  /**
   * {@code method} on {@code endpoint} of the member's REST API ({@code api_url} with its path replaced,
   * as patronictl does), with the configured credentials and a JSON body if given.
   */
  Answer request(Member member, String method, String endpoint, Optional<String> json, Duration timeout)
      throws IOException, InterruptedException {
    String api = member.status().apiUrl();
    if (api.isBlank()) {
      throw new IOException("member " + member.name() + " publishes no api_url");
    }
    URI uri = URI.create(api).resolve("/" + endpoint);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
    RestClients.authorization(settings.ctl(), Optional.empty()).ifPresent(a -> b.header("Authorization", a));
    if (json.isPresent()) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(json.get()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = RestClients.send(http(), tls(), b.build());
      return new Answer(r.statusCode(), r.body());
    } catch (GeneralSecurityException e) {
      throw new IOException("TLS settings of the ctl section: " + e.getMessage(), e);
    }
  }

  // ================================================================= terminal

  /** Asks {@code question}; an empty answer (or end of input) gives {@code dflt}. */
  String prompt(String question, Optional<String> dflt) throws IOException {
    out.print(question + dflt.map(d -> " [" + d + "]").orElse("") + ": ");
    out.flush();
    String line = in.readLine();
    if (line == null || line.isBlank()) {
      return dflt.orElse(line == null ? "" : line.strip());
    }
    return line.strip();
  }

  /** A yes/no question, no by default. */
  boolean confirm(String question) throws IOException {
    String a = prompt(question + " [y/N]", Optional.empty());
    return a.equalsIgnoreCase("y") || a.equalsIgnoreCase("yes");
  }

  /** patronictl's timestamp: local time with five fractional digits ({@code 2024-01-01 10:00:00.12345}). */
  static String timestamp(LocalDateTime now) {
    String full = now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS"));
    return full.substring(0, full.length() - 1);
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
  }
}
