package dev.primus.db.postgres;

import dev.primus.db.postgres.PostgresConfig.Credentials;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where the driver reaches its own server, as Patroni's {@code local_connect_kwargs}: TCP to the first
 * listen address; or, with {@code use_unix_socket}, the Unix-domain socket in the first absolute directory
 * of {@code unix_socket_directories} (the binaries' compiled-in directory when the parameter is not set, and
 * TCP again when no entry is absolute, since only an absolute path names a socket).
 *
 * @param socketDirectory the socket's directory; empty: TCP
 * @param tcpHost         the TCP host, used when there is no socket
 * @param port            the server's port, which also names its socket ({@code .s.PGSQL.<port>})
 */
record LocalAddress(Optional<Path> socketDirectory, String tcpHost, int port) {

  LocalAddress {
    Objects.requireNonNull(socketDirectory, "socketDirectory");
    Objects.requireNonNull(tcpHost, "tcpHost");
  }

  /** The address for {@code cfg}; {@code compiledSocketDirectory} is only asked when it is needed. */
  static LocalAddress of(PostgresConfig cfg, Supplier<Optional<Path>> compiledSocketDirectory) {
    Optional<Path> socket = Optional.empty();
    if (cfg.useUnixSocket()) {
      String configured = cfg.parameters().get("unix_socket_directories");
      socket = configured == null ? compiledSocketDirectory.get() : firstAbsolute(configured);
    }
    return new LocalAddress(socket, cfg.localHost(), cfg.port());
  }

  /** Patroni's rule: the first comma-separated entry that starts with a slash. */
  static Optional<Path> firstAbsolute(String unixSocketDirectories) {
    for (String d : unixSocketDirectories.split(",")) {
      String dir = d.strip();
      if (dir.startsWith("/")) {
        return Optional.of(Path.of(dir));
      }
    }
    return Optional.empty();
  }

  /** The socket file the server creates in its directory. */
  Optional<Path> socketFile() {
    return socketDirectory.map(d -> d.resolve(".s.PGSQL." + port));
  }

  /** What libpq takes as {@code host}: the socket's directory, or the TCP host. */
  String libpqHost() {
    return socketDirectory.map(Path::toString).orElse(tcpHost);
  }

  /**
   * A libpq URL to {@code database} as {@code user} (no password: the tools find it in the pgpass file), with
   * the user's libpq options ({@code sslmode}, {@code sslcert}, {@code sslkey}...) as query parameters, so a
   * script connects the way the driver does. Over the socket the TLS options are left out: libpq uses no TLS
   * there.
   */
  String libpqUrl(Credentials user, String database) {
    String host = socketDirectory.isPresent() ? encode(libpqHost())
        : tcpHost.indexOf(':') >= 0 ? "[" + tcpHost + "]" : tcpHost;
    StringBuilder url = new StringBuilder("postgres://").append(encode(user.username())).append('@').append(host)
        .append(':').append(port).append('/').append(encode(database));
    char sep = '?';
    for (Map.Entry<String, String> e : user.options().entrySet()) {
      if (socketDirectory.isPresent() && e.getKey().startsWith("ssl")) {
        continue;
      }
      url.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      sep = '&';
    }
    return url.toString();
  }

  /** The host part of a JDBC URL: never used to connect over the socket, but pgJDBC wants one. */
  String jdbcHost() {
    if (socketDirectory.isPresent()) {
      return "localhost";
    }
    return tcpHost.indexOf(':') >= 0 ? "[" + tcpHost + "]" : tcpHost;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
