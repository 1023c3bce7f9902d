package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Patroni's {@code etcd3:} section, validated.
 *
 * <p>Keys read: {@code hosts} (a list or {@code "h1:2379,h2:2379"}; wins over {@code host}),
 * {@code host}, {@code protocol} ({@code http} or {@code https}; {@code https} by default once a TLS
 * file is given), {@code username} and {@code password} (both or neither), {@code cacert},
 * {@code cert} and {@code key} (PEM files; {@code cert} and {@code key} together, the key in PKCS#8).
 * A host without a port gets 2379. Patroni's discovery keys ({@code url}, {@code proxy}, {@code srv},
 * {@code srv_suffix}, {@code use_proxies}) are refused with a hint, and any other key is refused by
 * name, so a typo never silently falls back to a default.
 *
 * @param endpoints the members' client URLs, in the order given
 * @param username  the etcd user, if authentication is on
 * @param password  that user's password; never printed by {@link #toString()}
 * @param cacert    the CA bundle that signs the members' certificates
 * @param cert      the client certificate, for mutual TLS
 * @param key       the client certificate's private key
 */
public record EtcdConfig(
    List<URI> endpoints,
    Optional<String> username,
    Optional<String> password,
    Optional<Path> cacert,
    Optional<Path> cert,
    Optional<Path> key) {

  /** The etcd client port when a host names none. */
  public static final int DEFAULT_PORT = 2379;

  private static final Set<String> KNOWN =
      Set.of("host", "hosts", "protocol", "username", "password", "cacert", "cert", "key");
  private static final Set<String> DISCOVERY = Set.of("url", "proxy", "srv", "srv_suffix", "use_proxies");

  public EtcdConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one endpoint is needed");
    }
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
    Objects.requireNonNull(cacert, "cacert");
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(key, "key");
  }

  /** Plain-HTTP endpoints without authentication, for tests and embedders. */
  public static EtcdConfig of(List<URI> endpoints) {
    return new EtcdConfig(endpoints, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty());
  }

  /** Whether the endpoints use TLS. */
  public boolean tls() {
    return "https".equals(endpoints.get(0).getScheme());
  }

  /**
   * Reads and checks the provider's section.
   *
   * @throws DcsConfigException naming the first offending key
   */
  public static EtcdConfig from(DcsSettings settings) throws DcsConfigException {
    for (String k : new TreeSet<>(settings.section().keySet())) {
      if (DISCOVERY.contains(k)) {
        throw new DcsConfigException(k, "not supported by primus-dcs-etcd; list the members in 'hosts'");
      }
      if (!KNOWN.contains(k)) {
        throw new DcsConfigException(k, "unknown key; known: " + String.join(", ", new TreeSet<>(KNOWN)));
      }
    }

    Optional<Path> cacert = file(settings, "cacert");
    Optional<Path> cert = file(settings, "cert");
    Optional<Path> key = file(settings, "key");
    if (cert.isPresent() && key.isEmpty()) {
      throw new DcsConfigException("key", "missing: 'cert' is set, so its private key is needed too");
    }
    if (key.isPresent() && cert.isEmpty()) {
      throw new DcsConfigException("cert", "missing: 'key' is set, so its certificate is needed too");
    }
    boolean tlsFiles = cacert.isPresent() || cert.isPresent();

    String protocol;
    Optional<String> givenProtocol = settings.string("protocol");
    if (givenProtocol.isPresent()) {
      protocol = givenProtocol.get().trim().toLowerCase(Locale.ROOT);
      if (!protocol.equals("http") && !protocol.equals("https")) {
        throw new DcsConfigException("protocol", "expected http or https, got '" + givenProtocol.get() + "'");
      }
      if (protocol.equals("http") && tlsFiles) {
        throw new DcsConfigException("protocol", "is http, but cacert/cert are set; use https");
      }
    } else {
      protocol = tlsFiles ? "https" : "http";
    }

    List<URI> endpoints = new ArrayList<>();
    Optional<List<String>> hosts = settings.stringList("hosts");
    if (hosts.isPresent()) {
      if (hosts.get().isEmpty()) {
        throw new DcsConfigException("hosts", "is empty; list at least one etcd member as host:port");
      }
      for (int i = 0; i < hosts.get().size(); i++) {
        endpoints.add(endpoint(hosts.get().get(i), protocol, "hosts[" + i + "]"));
      }
    } else {
      Optional<String> host = settings.string("host");
      if (host.isEmpty()) {
        throw new DcsConfigException("hosts",
            "missing: give etcd3.hosts (a list, or 'h1:2379,h2:2379') or etcd3.host");
      }
      endpoints.add(endpoint(host.get(), protocol, "host"));
    }

    Optional<String> username = settings.string("username");
    Optional<String> password = settings.string("password");
    if (username.isPresent() && username.get().isEmpty()) {
      throw new DcsConfigException("username", "is empty");
    }
    if (username.isPresent() && password.isEmpty()) {
      throw new DcsConfigException("password", "missing: 'username' is set");
    }
    if (password.isPresent() && username.isEmpty()) {
      throw new DcsConfigException("username", "missing: 'password' is set");
    }
    return new EtcdConfig(endpoints, username, password, cacert, cert, key);
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

  private static URI endpoint(String entry, String protocol, String name) throws DcsConfigException {
    String e = entry.trim();
    if (e.isEmpty()) {
      throw new DcsConfigException(name, "is empty; expected host:port");
    }
    URI parsed;
    try {
      parsed = new URI(e.contains("://") ? e : protocol + "://" + e);
    } catch (URISyntaxException ex) {
      throw new DcsConfigException(name, "expected host:port, got '" + entry + "'");
    }
    if (!protocol.equals(parsed.getScheme())) {
      throw new DcsConfigException(name, "scheme '" + parsed.getScheme() + "' does not match protocol '"
          + protocol + "'");
    }
    if (parsed.getHost() == null || (parsed.getPath() != null && !parsed.getPath().isEmpty()
        && !parsed.getPath().equals("/")) || parsed.getQuery() != null || parsed.getUserInfo() != null) {
      throw new DcsConfigException(name, "expected host:port, got '" + entry + "'");
    }
    int port = parsed.getPort() == -1 ? DEFAULT_PORT : parsed.getPort();
    try {
      return new URI(protocol, null, parsed.getHost(), port, null, null, null);
    } catch (URISyntaxException ex) {
      throw new DcsConfigException(name, "expected host:port, got '" + entry + "'");
    }
  }

  /** Never prints the password. */
  @Override
  public String toString() {
    return "EtcdConfig[endpoints=" + endpoints + ", username=" + username.orElse("(none)")
        + ", password=" + (password.isPresent() ? "******" : "(none)")
        + ", cacert=" + cacert.map(Path::toString).orElse("(none)")
        + ", cert=" + cert.map(Path::toString).orElse("(none)")
        + ", key=" + key.map(Path::toString).orElse("(none)") + "]";
  }
}
