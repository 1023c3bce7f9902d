package dev.primus.dcs.consul;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Patroni's {@code consul:} section, validated.
 *
 * <p>Keys read, with Patroni's meaning and defaults:
 * <ul>
 *   <li>{@code host}: {@code host[:port]} of the agent, default {@code 127.0.0.1:8500};
 *   <li>{@code port}: the agent's HTTP port, when {@code host} names none (default 8500);
 *   <li>{@code url}: {@code scheme://host[:port]} instead of {@code host}/{@code port}/{@code scheme}
 *       (port 80 or 443 when it names none); giving it together with one of those is an error, so the
 *       two never disagree silently;
 *   <li>{@code scheme}: {@code http} or {@code https}; {@code https} by default once a TLS file is
 *       given;
 *   <li>{@code token}: the ACL token, sent as the {@code X-Consul-Token} header; never printed;
 *   <li>{@code dc}: the datacenter for every request;
 *   <li>{@code consistency}: {@code default}, {@code consistent} or {@code stale}, for reads and watches;
 *   <li>{@code checks}: health-check ids the sessions are bound to (a list or a comma-separated
 *       string); none by default;
 *   <li>{@code cacert}, {@code cert}, {@code key}: PEM files (the key may also sit in {@code cert});
 *   <li>{@code verify}: whether to verify the agent's certificate and host name, default {@code true};
 *   <li>{@code register_service} (and {@code service_tags}, {@code service_check_interval},
 *       {@code service_check_tls_server_name}): accepted only as {@code false}/absent, since this module
 *       does not register the PostgreSQL service in Consul's catalog.
 * </ul>
 * Any other key is refused by name, so a typo never falls back to a default.
 *
 * @param endpoint    the agent's base URL, {@code scheme://host:port}
 * @param token       the ACL token
 * @param dc          the datacenter
 * @param consistency the read consistency mode
 * @param checks      the check ids sessions are bound to
 * @param cacert      the CA bundle that signs the agent's certificate
 * @param cert        the client certificate (and possibly its key), for mutual TLS
 * @param key         the client certificate's private key
 * @param verify      whether to verify the agent's certificate and host name
 */
public record ConsulConfig(
    URI endpoint,
    Optional<String> token,
    Optional<String> dc,
    Consistency consistency,
    List<String> checks,
    Optional<Path> cacert,
    Optional<Path> cert,
    Optional<Path> key,
    boolean verify) {

  /** Consul's HTTP port when neither {@code host} nor {@code port} names one. */
  public static final int DEFAULT_PORT = 8500;
  /** The agent Patroni talks to when the section names none. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** Consul's read consistency modes ({@code ?consistent}, {@code ?stale}, or neither). */
  public enum Consistency {
    /** Reads are served by the leader, which may briefly be stale across an election. */
    DEFAULT,
    /** The leader confirms its leadership with a quorum before answering. */
    CONSISTENT,
    /** Any server answers, possibly stale. */
    STALE
  }

  private static final Set<String> KNOWN = Set.of("host", "port", "url", "scheme", "token", "dc", "consistency",
      "checks", "register_service", "service_tags", "service_check_interval", "service_check_tls_server_name",
      "cacert", "cert", "key", "verify");
  private static final Set<String> SERVICE_KEYS =
      Set.of("service_tags", "service_check_interval", "service_check_tls_server_name");

  public ConsulConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(dc, "dc");
    Objects.requireNonNull(consistency, "consistency");
    checks = List.copyOf(checks);
    Objects.requireNonNull(cacert, "cacert");
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
  }

  /** A plain-HTTP agent with every other key at its default, for tests and embedders. */
  public static ConsulConfig of(URI endpoint) {
    return new ConsulConfig(endpoint, Optional.empty(), Optional.empty(), Consistency.DEFAULT, List.of(),
        Optional.empty(), Optional.empty(), Optional.empty(), true);
  }

  /** Whether the agent is reached over TLS. */
  public boolean tls() {
    return "https".equals(endpoint.getScheme());
  }

  /**
   * Reads and checks the provider's section.
   *
   * @throws DcsConfigException naming the first offending key
   */
  public static ConsulConfig from(DcsSettings settings) throws DcsConfigException {
    for (String k : new TreeSet<>(settings.section().keySet())) {
      if (!KNOWN.contains(k)) {
        throw new DcsConfigException(k, "unknown key; known: " + String.join(", ", new TreeSet<>(KNOWN)));
      }
    }
    if (settings.bool("register_service").orElse(false)) {
      throw new DcsConfigException("register_service", "true is not supported by primus-dcs-consul: it does not"
          + " register the PostgreSQL service in Consul's catalog; remove the key or set it to false");
    }
    for (String k : new TreeSet<>(SERVICE_KEYS)) {
      if (settings.section().containsKey(k)) {
        throw new DcsConfigException(k, "only used with register_service, which primus-dcs-consul does not"
            + " support; remove it");
      }
    }

    Optional<Path> cacert = file(settings, "cacert");
    Optional<Path> cert = file(settings, "cert");
    Optional<Path> key = file(settings, "key");
    if (key.isPresent() && cert.isEmpty()) {
      throw new DcsConfigException("cert", "missing: 'key' is set, so its certificate is needed too");
    }
    boolean tlsFiles = cacert.isPresent() || cert.isPresent();

    URI endpoint = settings.section().containsKey("url") ? fromUrl(settings, tlsFiles) : fromHost(settings, tlsFiles);

    Optional<String> token = nonEmpty(settings, "token");
    Optional<String> dc = nonEmpty(settings, "dc");
    Consistency consistency = Consistency.DEFAULT;
    Optional<String> mode = settings.string("consistency");
    if (mode.isPresent()) {
      try {
        consistency = Consistency.valueOf(mode.get().strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new DcsConfigException("consistency", "expected default, consistent or stale, got '" + mode.get() + "'");
      }
    }
    List<String> checks = settings.stringList("checks").orElse(List.of());
    for (int i = 0; i < checks.size(); i++) {
      if (checks.get(i).isBlank()) {
        throw new DcsConfigException("checks[" + i + "]", "is empty; expected a check id such as serfHealth");
      }
    }
    // Only meaningful over https; over http there is nothing to verify and the value is ignored.
    boolean verify = settings.bool("verify").orElse(true);
    return new ConsulConfig(endpoint, token, dc, consistency, checks, cacert, cert, key, verify);
  }

  private static URI fromUrl(DcsSettings settings, boolean tlsFiles) throws DcsConfigException {
    for (String other : List.of("host", "port", "scheme")) {
      if (settings.section().containsKey(other)) {
        throw new DcsConfigException(other, "'url' already gives the scheme, host and port; give either 'url' or"
            + " 'host'/'port'/'scheme'");
      }
    }
    String url = settings.string("url").orElseThrow().strip();
    URI parsed;
    try {
      parsed = new URI(url);
    } catch (URISyntaxException e) {
      throw new DcsConfigException("url", "expected http(s)://host[:port], got '" + url + "'");
    }
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new DcsConfigException("url", "expected an http:// or https:// URL, got '" + url + "'");
    }
    if (parsed.getHost() == null || parsed.getUserInfo() != null || parsed.getQuery() != null
        || parsed.getFragment() != null || (parsed.getPath() != null && !parsed.getPath().isEmpty()
            && !parsed.getPath().equals("/"))) {
      throw new DcsConfigException("url", "expected http(s)://host[:port] with no path, got '" + url + "'");
    }
    if (scheme.equals("http") && tlsFiles) {
      throw new DcsConfigException("url", "is http, but cacert/cert are set; use https");
    }
    int port = parsed.getPort() == -1 ? (scheme.equals("https") ? 443 : 80) : parsed.getPort();
    return endpoint(scheme, parsed.getHost(), port, "url");
  }

  private static URI fromHost(DcsSettings settings, boolean tlsFiles) throws DcsConfigException {
    String scheme;
    Optional<String> givenScheme = settings.string("scheme");
    if (givenScheme.isPresent()) {
      scheme = givenScheme.get().strip().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new DcsConfigException("scheme", "expected http or https, got '" + givenScheme.get() + "'");
      }
      if (scheme.equals("http") && tlsFiles) {
        throw new DcsConfigException("scheme", "is http, but cacert/cert are set; use https");
      }
    } else {
      scheme = tlsFiles ? "https" : "http";
    }

    String host = DEFAULT_HOST;
    Optional<Integer> hostPort = Optional.empty();
    Optional<String> givenHost = settings.string("host");
    if (givenHost.isPresent()) {
      String h = givenHost.get().strip();
      if (h.isEmpty() || h.contains("/") || h.contains("@")) {
        throw new DcsConfigException("host", "expected host[:port], got '" + givenHost.get() + "'");
      }
      URI parsed;
      try {
        parsed = new URI("http://" + h);
      } catch (URISyntaxException e) {
        throw new DcsConfigException("host", "expected host[:port], got '" + givenHost.get() + "'");
      }
      if (parsed.getHost() == null || parsed.getQuery() != null || parsed.getFragment() != null
          || !parsed.getPath().isEmpty()) {
        throw new DcsConfigException("host", "expected host[:port], got '" + givenHost.get() + "'");
      }
      host = parsed.getHost();
      if (parsed.getPort() != -1) {
        hostPort = Optional.of(parsed.getPort());
      }
    }

    Optional<Integer> port = port(settings);
    if (port.isPresent() && hostPort.isPresent() && !port.equals(hostPort)) {
      throw new DcsConfigException("port", port.get() + " disagrees with the port in host '" + givenHost.orElseThrow()
          + "'; give the port once");
    }
    int chosen = port.isPresent() ? port.get() : hostPort.orElse(DEFAULT_PORT);
    return endpoint(scheme, host, chosen, "host");
  }

  private static Optional<Integer> port(DcsSettings settings) throws DcsConfigException {
    Optional<String> value = settings.string("port");
    if (value.isEmpty()) {
      return Optional.empty();
    }
    try {
      int port = Integer.parseInt(value.get().strip());
      if (port < 1 || port > 65_535) {
        throw new DcsConfigException("port", "expected 1-65535, got " + port);
      }
      return Optional.of(port);
    } catch (NumberFormatException e) {
      throw new DcsConfigException("port", "expected a port number, got '" + value.get() + "'");
    }
  }

  private static URI endpoint(String scheme, String host, int port, String key) throws DcsConfigException {
    try {
      return new URI(scheme, null, host, port, null, null, null);
    } catch (URISyntaxException e) {
      throw new DcsConfigException(key, "cannot make a URL of host '" + host + "' and port " + port);
    }
  }

  private static Optional<String> nonEmpty(DcsSettings settings, String name) throws DcsConfigException {
    Optional<String> value = settings.string(name);
    if (value.isPresent() && value.get().isBlank()) {
      throw new DcsConfigException(name, "is empty; remove the key or give a value");
    }
    return value.map(String::strip);
  }

  private static Optional<Path> file(DcsSettings settings, String name) throws DcsConfigException {
    Optional<String> value = settings.string(name);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    Path p = Path.of(value.get());
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new DcsConfigException(name, "cannot read file '" + p + "'");
    }
    return Optional.of(p);
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "ConsulConfig[endpoint=" + endpoint + ", token=" + (token.isPresent() ? "******" : "(none)")
        + ", dc=" + dc.orElse("(agent's)") + ", consistency=" + consistency.name().toLowerCase(Locale.ROOT)
        + ", checks=" + checks + ", cacert=" + cacert.map(Path::toString).orElse("(none)")
        + ", cert=" + cert.map(Path::toString).orElse("(none)") + ", key=" + key.map(Path::toString).orElse("(none)")
        + ", verify=" + verify + "]";
  }
}
