package dev.primus.db.postgres;

import dev.primus.db.postgres.PostgresConfig.Credentials;
import dev.primus.db.postgres.tls.ClientCertificateSslFactory;
import dev.primus.ha.driver.DriverException;
import dev.primus.ha.driver.DriverException.Kind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * JDBC connections to the local server as the superuser. Every connection has a connect, login and
 * socket timeout and a statement timeout, so no call can hang on a stuck server. pgJDBC's driver is
 * used directly, not through DriverManager, so the connection works inside any class loader.
 *
 * <p>The server is reached at its {@link LocalAddress}: over TCP, TLS client certificates are read as libpq
 * reads them ({@link ClientCertificateSslFactory}); with {@code use_unix_socket}, over the Unix-domain socket
 * through junixsocket's socket factory, which pgJDBC documents for this.
 */
final class Sql {
  private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();
  /** pgJDBC's {@code socketFactory} for a Unix-domain socket whose path is the {@code socketFactoryArg}. */
  static final String UNIX_SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg";

  private final Supplier<PostgresConfig> cfg;
  private final Supplier<LocalAddress> address;
  private final Duration connectTimeout;
  private final Duration queryTimeout;

  /**
   * @param cfg     the driver's configuration as it is at each connection (credentials, parameters)
   * @param address where the server is at each connection
   */
  Sql(Supplier<PostgresConfig> cfg, Supplier<LocalAddress> address, Duration connectTimeout, Duration queryTimeout) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.address = Objects.requireNonNull(address, "address");
    this.connectTimeout = connectTimeout;
    this.queryTimeout = queryTimeout;
  }

  /** Same server and credentials, other timeouts (CHECKPOINT and slot creation may take longer than a probe). */
  Sql withTimeouts(Duration connect, Duration query) {
    return new Sql(cfg, address, connect, query);
  }

  Connection connect(String database) throws SQLException {
    return connect(cfg.get().superuser(), address.get(), database, connectTimeout, queryTimeout);
  }

  /**
   * A connection as {@code who} to {@code database} at {@code a}, which may be another member's server (its
   * {@code conn_url}), with the same timeouts and transport settings as the local ones.
   */
  static Connection connect(Credentials who, LocalAddress a, String database, Duration connectTimeout,
      Duration queryTimeout) throws SQLException {
    String url = "jdbc:postgresql://" + a.jdbcHost() + ":" + a.port() + "/" + database;
    Properties p = properties(who, a);
    int connectSeconds = (int) Math.max(1, connectTimeout.toSeconds());
    p.setProperty("connectTimeout", Integer.toString(connectSeconds));
    p.setProperty("loginTimeout", Integer.toString(connectSeconds));
    // The socket timeout is the backstop behind statement_timeout: a server that stops answering.
    p.setProperty("socketTimeout", Long.toString(queryTimeout.toSeconds() + 5));
    p.setProperty("options", "-c statement_timeout=" + queryTimeout.toMillis() + " -c lock_timeout=" + queryTimeout.toMillis());
    p.setProperty("ApplicationName", "primus");
    p.setProperty("assumeMinServerVersion", "12");
    p.setProperty("tcpKeepAlive", "true");
    Connection conn = DRIVER.connect(url, p);
    if (conn == null) {
      throw new SQLException("pgJDBC rejected the URL " + url);
    }
    return conn;
  }

  /** The user, password and transport settings of a connection as {@code who} to {@code at}. */
  static Properties properties(Credentials who, LocalAddress at) {
    Properties p = new Properties();
    p.setProperty("user", who.username());
    who.password().ifPresent(pw -> p.setProperty("password", pw));
    if (at.socketFile().isPresent()) {
      p.setProperty("socketFactory", UNIX_SOCKET_FACTORY);
      p.setProperty("socketFactoryArg", at.socketFile().get().toString());
      // libpq uses no TLS over a Unix-domain socket whatever sslmode says; the server offers none there.
      p.setProperty("sslmode", "disable");
      return p;
    }
    for (Map.Entry<String, String> e : who.options().entrySet()) {
      if (e.getKey().startsWith("ssl")) {
        p.setProperty(e.getKey(), e.getValue());
      }
    }
    boolean tls = !"disable".equals(who.options().get("sslmode"));
    if (tls && (who.options().containsKey("sslkey") || who.options().containsKey("sslcert"))) {
      // pgJDBC's own key manager reads only PKCS#8 DER; libpq's files are PEM.
      p.setProperty("sslfactory", ClientCertificateSslFactory.className());
    }
    return p;
  }

  static boolean queryBoolean(Connection c, String query) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  static void execute(Connection c, String statement) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  static String queryString(Connection c, String query, String... args) throws SQLException {
    try (PreparedStatement st = c.prepareStatement(query)) {
      for (int i = 0; i < args.length; i++) {
        st.setString(i + 1, args[i]);
      }
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** An SQL failure as a driver error: a connection problem or a failed statement. */
  static DriverException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    Kind kind = state.startsWith("08") || state.startsWith("57P") || state.startsWith("28") || state.isEmpty()
        ? Kind.CONNECTION : state.equals("57014") ? Kind.TIMEOUT : Kind.COMMAND_FAILED;
    return new DriverException(kind, what + " failed: " + e.getMessage() + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")"), e);
  }
}
