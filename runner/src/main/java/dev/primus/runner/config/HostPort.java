package dev.primus.runner.config;

import java.util.Objects;
import java.util.Optional;

/**
 * A {@code host:port} pair as Patroni writes them ({@code 10.0.0.1:8008}, {@code db1.example:5432},
 * {@code [::1]:8008}). An empty host or {@code *} means every local address when listening.
 *
 * @param host the host without IPv6 brackets; may be empty
 * @param port 1 to 65535
 */
public record HostPort(String host, int port) {
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535, got " + port);
    }
  }

  /** Parses {@code host:port}; empty when the text is not of that form. */
  public static Optional<HostPort> parse(String text) {
    String s = text.trim();
    int colon = s.lastIndexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    String host = s.substring(0, colon);
    String portText = s.substring(colon + 1);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      // an unbracketed IPv6 address would make the port ambiguous
      return Optional.empty();
    }
    if (host.contains(" ") || host.contains("/") || host.contains(",")) {
      return Optional.empty();
    }
    try {
      int port = Integer.parseInt(portText);
      if (port < 1 || port > 65535) {
        return Optional.empty();
      }
      return Optional.of(new HostPort(host, port));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether the host means "every local address" (empty, {@code *}, {@code 0.0.0.0} or {@code ::}). */
  public boolean isWildcard() {
    return host.isEmpty() || host.equals("*") || host.equals("0.0.0.0") || host.equals("::");
  }

  /** {@code host:port}, with brackets around an IPv6 host, as it goes into URLs. */
  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
