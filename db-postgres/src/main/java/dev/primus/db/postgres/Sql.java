package dev.primus.db.postgres;

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

/**
 * JDBC connections to the local server as the superuser. Every connection has a connect, login and
 * socket timeout and a statement timeout, so no call can hang on a stuck server. pgJDBC's driver is
 * used directly, not through DriverManager, so the connection works inside any class loader.
 */
final class Sql {
  private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

  private final PostgresConfig cfg;
  private final Duration connectTimeout;
  private final Duration queryTimeout;

  Sql(PostgresConfig cfg, Duration connectTimeout, Duration queryTimeout) {
    this.cfg = Objects.requireNonNull(cfg, "cfg");
    this.connectTimeout = connectTimeout;
    this.queryTimeout = queryTimeout;
  }

  /** Same server and credentials, other timeouts (CHECKPOINT and slot creation may take longer than a probe). */
  Sql withTimeouts(Duration connect, Duration query) {
    return new Sql(cfg, connect, query);
  }

  Connection connect(String database) throws SQLException {
    String host = cfg.localHost().indexOf(':') >= 0 ? "[" + cfg.localHost() + "]" : cfg.localHost();
    String url = "jdbc:postgresql://" + host + ":" + cfg.port() + "/" + database;
    Properties p = new Properties();
    p.setProperty("user", cfg.superuser().username());
    cfg.superuser().password().ifPresent(pw -> p.setProperty("password", pw));
    for (Map.Entry<String, String> e : cfg.superuser().options().entrySet()) {
      if (e.getKey().startsWith("ssl")) {
        p.setProperty(e.getKey(), e.getValue());
      }
    }
    int connectSeconds = (int) Math.max(1, connectTimeout.toSeconds());
    p.setProperty("connectTimeout", Integer.toString(connectSeconds));
    p.setProperty("loginTimeout", Integer.toString(connectSeconds));
    // The socket timeout is the backstop behind statement_timeout: a server that stops answering.
    p.setProperty("socketTimeout", Long.toString(queryTimeout.toSeconds() + 5));
    p.setProperty("options", "-c statement_timeout=" + queryTimeout.toMillis() + " -c lock_timeout=" + queryTimeout.toMillis());
    p.setProperty("ApplicationName", "primus");
    p.setProperty("assumeMinServerVersion", "12");
    p.setProperty("tcpKeepAlive", "true");
    Connection c = DRIVER.connect(url, p);
    if (c == null) {
      throw new SQLException("pgJDBC rejected the URL " + url);
    }
    return c;
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
