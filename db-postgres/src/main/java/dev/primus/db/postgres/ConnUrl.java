package dev.primus.db.postgres;

import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * Host and port of a member, taken from its published {@code conn_url}
 * ({@code postgres://host:port/postgres}). Credentials in the URL are ignored on purpose: the driver
 * always adds its own replication or rewind credentials.
 */
record ConnUrl(String host, int port) {

  ConnUrl {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad host or port: " + host + ":" + port);
    }
  }

  static ConnUrl parse(String connUrl) throws DriverException {
    try {
      URI uri = new URI(connUrl);
      String scheme = uri.getScheme();
      if (!"postgres".equals(scheme) && !"postgresql".equals(scheme)) {
        throw new DriverException(Kind.INVALID_CONFIG,
            "conn_url '" + connUrl + "' must start with postgres:// or postgresql://");
      }
      String host = uri.getHost();
      if (host == null) {
        throw new DriverException(Kind.INVALID_CONFIG, "conn_url '" + connUrl + "' has no host");
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = uri.getPort() == -1 ? 5432 : uri.getPort();
      return new ConnUrl(host, port);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new DriverException(Kind.INVALID_CONFIG, "conn_url '" + connUrl + "' is not a valid URL: " + e.getMessage(), e);
    }
  }

  /** The host as a JDBC URL needs it: IPv6 literals in brackets. */
  String jdbcHost() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }
}
