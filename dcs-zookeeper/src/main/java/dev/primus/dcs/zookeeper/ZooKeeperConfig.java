package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.DcsConfigException;
import dev.primus.dcs.spi.DcsSettings;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The validated {@code zookeeper:} section of {@code patroni.yml} plus the cluster timings the store
 * must respect.
 *
 * <p>Keys read, as Patroni names them: {@code hosts} (a list, or one comma-separated string; a host
 * without a port gets 2181), {@code use_ssl}, {@code cacert}, {@code cert}, {@code key},
 * {@code key_password}, {@code verify}. When {@code use_ssl} is false the TLS keys are ignored, as in
 * Patroni. Any other key is an error naming it, so a setting that Primus would silently drop
 * ({@code set_acls}, {@code auth_data}) is never mistaken for one that is applied.
 *
 * @param hosts          {@code host:port} entries, in order; IPv6 literals in brackets
 * @param sessionTimeout the session timeout of the store's own connection: the cluster TTL, so that
 *                       Curator's LOST (no session for that long) means what the SPI says it means
 * @param retryTimeout   the deadline of one store call, retries included
 * @param tls            the client TLS settings, when {@code use_ssl} is true
 */
public record ZooKeeperConfig(
    List<String> hosts, Duration sessionTimeout, Duration retryTimeout, Optional<Tls> tls) {

  /** ZooKeeper's client port, used for a host given without one. */
  public static final int DEFAULT_PORT = 2181;

  private static final Set<String> KNOWN_KEYS =
      Set.of("hosts", "use_ssl", "cacert", "cert", "key", "key_password", "verify");
  private static final Set<String> PATRONI_KEYS_NOT_SUPPORTED = Set.of("set_acls", "auth_data");

  public ZooKeeperConfig {
    hosts = List.copyOf(hosts);
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    Objects.requireNonNull(retryTimeout, "retryTimeout");
    Objects.requireNonNull(tls, "tls");
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("at least one host is required");
    }
    if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
      throw new IllegalArgumentException("sessionTimeout must be positive, got " + sessionTimeout);
    }
    if (retryTimeout.isNegative() || retryTimeout.isZero()) {
      throw new IllegalArgumentException("retryTimeout must be positive, got " + retryTimeout);
    }
  }

  /**
   * Client TLS settings. Files are PEM, as in Patroni.
   *
   * @param caCert      the CA bundle that signs the servers' certificates; without it the JDK's trust
   *                    store is used
   * @param cert        the client certificate (chain), for servers that require client certificates
   * @param key         the client certificate's private key (PKCS#8, optionally encrypted)
   * @param keyPassword the password of an encrypted {@code key}
   * @param verify      whether the server's host name must match its certificate. Unlike Patroni's
   *                    {@code verify: false}, the certificate chain is still checked against
   *                    {@code cacert} (ZooKeeper's client has no trust-all mode, and Primus adds none)
   */
  public record Tls(
      Optional<Path> caCert, Optional<Path> cert, Optional<Path> key, Optional<String> keyPassword,
      boolean verify) {
    public Tls {
      Objects.requireNonNull(caCert, "caCert");
      Objects.requireNonNull(cert, "cert");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(keyPassword, "keyPassword");
      if (cert.isPresent() != key.isPresent()) {
        throw new IllegalArgumentException("cert and key must be given together");
      }
    }

    /** Masks the key password: configurations end up in logs. */
    @Override
    public String toString() {
      return "Tls[caCert=" + caCert + ", cert=" + cert + ", key=" + key
          + ", keyPassword=" + keyPassword.map(p -> "****") + ", verify=" + verify + "]";
    }
  }

  /** A plain (no TLS) configuration, e.g. for tests and embedders. */
  public static ZooKeeperConfig of(String connectString, Duration sessionTimeout, Duration retryTimeout) {
    List<String> hosts = new ArrayList<>();
    String[] parts = connectString.split(",");
    for (int i = 0; i < parts.length; i++) {
      try {
        hosts.add(normalizeHost(parts[i], "hosts[" + i + "]"));
      } catch (DcsConfigException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    return new ZooKeeperConfig(hosts, sessionTimeout, retryTimeout, Optional.empty());
  }

  /** ZooKeeper's connect string, {@code h1:2181,h2:2181}. */
  public String connectString() {
    return String.join(",", hosts);
  }

  /**
   * Reads and validates a provider section.
   *
   * @throws DcsConfigException naming the first offending key
   */
  public static ZooKeeperConfig from(DcsSettings settings) throws DcsConfigException {
    Set<String> unknown = new TreeSet<>(settings.section().keySet());
    unknown.removeAll(KNOWN_KEYS);
    for (String key : unknown) {
      if (PATRONI_KEYS_NOT_SUPPORTED.contains(key)) {
        throw new DcsConfigException(key, "is a Patroni setting that Primus's zookeeper backend does not"
            + " support yet; remove it, or the cluster would run without it");
      }
      throw new DcsConfigException(key, "unknown key; known: " + new TreeSet<>(KNOWN_KEYS));
    }
    if (settings.ttl().isNegative() || settings.ttl().isZero()) {
      throw new DcsConfigException("ttl", "must be positive, got " + settings.ttl());
    }
    if (settings.retryTimeout().isNegative() || settings.retryTimeout().isZero()) {
      throw new DcsConfigException("retry_timeout", "must be positive, got " + settings.retryTimeout());
    }
    List<String> raw = settings.stringList("hosts")
        .orElseThrow(() -> new DcsConfigException("hosts", "is required, e.g. [\"zk1:2181\", \"zk2:2181\"]"));
    if (raw.isEmpty()) {
      throw new DcsConfigException("hosts", "must name at least one host");
    }
    List<String> hosts = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      hosts.add(normalizeHost(raw.get(i), "hosts[" + i + "]"));
    }

    Optional<Tls> tls = Optional.empty();
    if (settings.bool("use_ssl").orElse(false)) {
      Optional<Path> caCert = file(settings, "cacert");
      Optional<Path> cert = file(settings, "cert");
      Optional<Path> key = file(settings, "key");
      if (cert.isPresent() && key.isEmpty()) {
        throw new DcsConfigException("key", "is required when cert is set");
      }
      if (key.isPresent() && cert.isEmpty()) {
        throw new DcsConfigException("cert", "is required when key is set");
      }
      Optional<String> keyPassword = settings.string("key_password");
      if (keyPassword.isPresent() && key.isEmpty()) {
        throw new DcsConfigException("key_password", "is set but key is not");
      }
      tls = Optional.of(new Tls(caCert, cert, key, keyPassword, settings.bool("verify").orElse(true)));
    } else {
      // Still type-check the flag Patroni users set most, so a typo in it is not silently ignored.
      settings.bool("verify");
    }
    return new ZooKeeperConfig(hosts, settings.ttl(), settings.retryTimeout(), tls);
  }

  /** Masks nothing secret itself, but the TLS part masks the key password. */
  @Override
  public String toString() {
    return "ZooKeeperConfig[hosts=" + hosts + ", sessionTimeout=" + sessionTimeout + ", retryTimeout="
        + retryTimeout + ", tls=" + tls + "]";
  }

  private static Optional<Path> file(DcsSettings settings, String key) throws DcsConfigException {
    Optional<String> value = settings.string(key);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.get().isBlank()) {
      throw new DcsConfigException(key, "must be a file path, got an empty string");
    }
    Path path;
    try {
      path = Path.of(value.get());
    } catch (InvalidPathException e) {
      throw new DcsConfigException(key, "is not a valid path: " + e.getMessage());
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new DcsConfigException(key, "no readable file at " + path);
    }
    return Optional.of(path);
  }

  /** {@code host}, {@code host:port} or {@code [v6]:port} to {@code host:port}. */
  static String normalizeHost(String entry, String key) throws DcsConfigException {
    String s = entry.trim();
    if (s.isEmpty()) {
      throw new DcsConfigException(key, "is empty");
    }
    if (s.contains("/")) {
      throw new DcsConfigException(key, "'" + s + "' has a path (a ZooKeeper chroot), which is not supported;"
          + " use the top-level namespace setting instead");
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new DcsConfigException(key, "'" + s + "' opens an IPv6 bracket but does not close it");
      }
      host = s.substring(0, close + 1);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        port = null;
      } else if (rest.startsWith(":")) {
        port = rest.substring(1);
      } else {
        throw new DcsConfigException(key, "'" + s + "': expected ':port' after the IPv6 address");
      }
    } else {
      int colon = s.indexOf(':');
      if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
        throw new DcsConfigException(key, "'" + s + "': put an IPv6 address in brackets, e.g. [::1]:2181");
      }
      host = colon < 0 ? s : s.substring(0, colon);
      port = colon < 0 ? null : s.substring(colon + 1);
    }
    if (host.isEmpty() || host.equals("[]")) {
      throw new DcsConfigException(key, "'" + s + "' has no host");
    }
    int p = DEFAULT_PORT;
    if (port != null) {
      try {
        p = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 1 || p > 65535) {
        throw new DcsConfigException(key, "'" + s + "': port must be 1-65535");
      }
    }
    return host + ":" + p;
  }
}
