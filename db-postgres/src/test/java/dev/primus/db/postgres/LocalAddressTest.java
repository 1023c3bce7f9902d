package dev.primus.db.postgres;

import static dev.primus.db.postgres.TestMaps.linked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.db.postgres.tls.ClientCertificateSslFactory;
import dev.primus.ha.driver.DriverException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Where the driver connects to its own server (Patroni's local_connect_kwargs) and how pgJDBC is told. */
class LocalAddressTest {
  private static final Optional<Path> COMPILED = Optional.of(Path.of("/var/run/postgresql"));

  private static PostgresConfig config(Map<String, Object> extra) throws DriverException {
    Map<String, Object> s = PostgresConfigTest.minimal();
    s.putAll(extra);
    return PostgresConfigTest.parse(s);
  }

  @Test
  void tcpUnlessUseUnixSocket() throws Exception {
    AtomicInteger asked = new AtomicInteger();
    LocalAddress a = LocalAddress.of(config(linked("parameters", linked("unix_socket_directories", "/sock"))),
        () -> {
          asked.incrementAndGet();
          return COMPILED;
        });
    assertEquals(Optional.empty(), a.socketDirectory());
    assertEquals("127.0.0.1", a.libpqHost());
    assertEquals(0, asked.get(), "the binaries are not asked for what is not used");
  }

  @Test
  void theFirstAbsoluteSocketDirectory() throws Exception {
    LocalAddress a = LocalAddress.of(config(linked("use_unix_socket", true,
        "parameters", linked("unix_socket_directories", "@abstract, relative, /run/pg ,/tmp"))), () -> COMPILED);
    assertEquals(Optional.of(Path.of("/run/pg")), a.socketDirectory());
    assertEquals(Optional.of(Path.of("/run/pg/.s.PGSQL.5433")), a.socketFile());
    assertEquals("/run/pg", a.libpqHost());
  }

  @Test
  void theCompiledDirectoryWhenTheParameterIsNotSet() throws Exception {
    LocalAddress a = LocalAddress.of(config(linked("use_unix_socket", true)), () -> COMPILED);
    assertEquals(Optional.of(Path.of("/var/run/postgresql/.s.PGSQL.5433")), a.socketFile());
  }

  @Test
  void tcpWhenNoDirectoryIsAbsolute() throws Exception {
    LocalAddress a = LocalAddress.of(config(linked("use_unix_socket", true,
        "parameters", linked("unix_socket_directories", "relative"))), () -> COMPILED);
    assertEquals(Optional.empty(), a.socketFile());
    assertEquals("127.0.0.1", a.libpqHost());
  }

  @Test
  void theScriptsUrlCarriesTheSocketOrTheTlsFiles() throws Exception {
    PostgresConfig cfg = config(linked("use_unix_socket", true, "authentication", linked(
        "superuser", linked("username", "post gres", "sslmode", "verify-full", "sslkey", "/k/client.key"),
        "replication", linked("username", "repl"))));
    LocalAddress socket = new LocalAddress(Optional.of(Path.of("/run/pg sock")), "127.0.0.1", 5433);
    assertEquals("postgres://post%20gres@%2Frun%2Fpg%20sock:5433/postgres", socket.libpqUrl(cfg.superuser(), "postgres"),
        "libpq takes a percent-encoded directory as the host; no TLS over the socket");
    LocalAddress tcp = new LocalAddress(Optional.empty(), "::1", 5433);
    assertEquals("postgres://post%20gres@[::1]:5433/postgres?sslkey=%2Fk%2Fclient.key&sslmode=verify-full",
        tcp.libpqUrl(cfg.superuser(), "postgres"));
  }

  @Test
  void pgjdbcGetsTheUnixSocketFactoryOrTheKeyReader() throws Exception {
    PostgresConfig cfg = config(linked("authentication", linked(
        "superuser", linked("username", "postgres", "password", "pw", "sslmode", "require", "sslkey", "/k/c.key",
            "sslcert", "/k/c.crt"),
        "replication", linked("username", "repl"))));
    Properties tcp = Sql.properties(cfg.superuser(), new LocalAddress(Optional.empty(), "127.0.0.1", 5433));
    assertEquals(ClientCertificateSslFactory.className(), tcp.getProperty("sslfactory"));
    assertEquals("/k/c.key", tcp.getProperty("sslkey"));
    assertEquals("require", tcp.getProperty("sslmode"));
    assertNull(tcp.getProperty("socketFactory"));

    Properties unix = Sql.properties(cfg.superuser(), new LocalAddress(Optional.of(Path.of("/run/pg")), "127.0.0.1", 5433));
    assertEquals(Sql.UNIX_SOCKET_FACTORY, unix.getProperty("socketFactory"));
    assertEquals("/run/pg/.s.PGSQL.5433", unix.getProperty("socketFactoryArg"));
    assertEquals("disable", unix.getProperty("sslmode"), "libpq uses no TLS over a socket");
    assertNull(unix.getProperty("sslfactory"));
    assertEquals("pw", unix.getProperty("password"));

    PostgresConfig plain = config(Map.of());
    assertFalse(Sql.properties(plain.superuser(), new LocalAddress(Optional.empty(), "127.0.0.1", 5433))
        .containsKey("sslfactory"), "without client files pgJDBC's own TLS stays");
  }

  @Test
  void describeConfigNamesTheCompiledDirectory() {
    String out = "unix_socket_group\tpostmaster\tConnections\tSTRING\t\t\tgroup\n"
        + "unix_socket_directories\tpostmaster\tConnections and Authentication / Connection Settings\tSTRING\t"
        + "/var/run/postgresql\t\t\tSets the directories where Unix-domain sockets will be created.\t\n";
    assertEquals(Optional.of(Path.of("/var/run/postgresql")), PostgresBinaries.parseSocketDirectory(out));
    assertTrue(PostgresBinaries.parseSocketDirectory("nothing here").isEmpty());
  }
}
