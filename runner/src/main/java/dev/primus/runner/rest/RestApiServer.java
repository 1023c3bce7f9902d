package dev.primus.runner.rest;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.primus.runner.config.RestApiConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The REST API server: Patroni's endpoints on the JDK's HTTP server, HTTPS when {@code restapi.certfile}
 * is set. Requests run on a small pool of daemon threads, so a switchover waiting for its result does
 * not hold up health checks.
 */
public final class RestApiServer implements AutoCloseable {
  /** Enough for health checks from a few load balancers while a couple of commands wait. */
  private static final int THREADS = 8;
  /** The JDK server's switch for TCP_NODELAY on the connections it accepts; off unless set. */
  static final String NODELAY = "sun.net.httpserver.nodelay";

  static {
    // The JDK server writes an answer's headers and its body in two writes. Without TCP_NODELAY the body
    // waits for the client's ACK of the headers, which a client polling on a keep-alive connection delays
    // (up to 40 ms on Linux): at 1,000 health checks per second per member, 8 connections each, a member
    // answered about 70 per second, seconds late (bench/failover --rest-load). Read once per JVM, when the
    // first server starts; an operator's own -D setting stands.
    if (System.getProperty(NODELAY) == null) {
      System.setProperty(NODELAY, "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService pool;

  private RestApiServer(HttpServer server, ExecutorService pool) {
    this.server = server;
    this.pool = pool;
  }

  /** Starts a server on {@code restapi.listen}. */
  public static RestApiServer start(RestApiConfig config, NodeIdentity identity, NodeStatusSource status,
      dev.primus.agent.AgentCommands commands, Clock clock) throws IOException, GeneralSecurityException {
    InetSocketAddress bind = config.listen().isWildcard()
        ? new InetSocketAddress(config.listen().port())
        : new InetSocketAddress(config.listen().host(), config.listen().port());
    return start(bind, config, identity, status, commands, clock);
  }

  /**
   * Starts a server on {@code bind} instead of {@code restapi.listen}, e.g. port 0 for any free port;
   * everything else comes from {@code config}.
   */
  public static RestApiServer start(InetSocketAddress bind, RestApiConfig config, NodeIdentity identity,
      NodeStatusSource status, dev.primus.agent.AgentCommands commands, Clock clock) throws IOException, GeneralSecurityException {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(config, "config");
    HttpServer server;
    if (config.tls()) {
      SSLContext ctx = PemTls.serverContext(config.certfile().orElseThrow(), config.keyfile(),
          config.keyfilePassword(), config.cafile());
      HttpsServer https = HttpsServer.create(bind, config.requestQueueSize());
      RestApiConfig.VerifyClient verify = config.verifyClient();
      https.setHttpsConfigurator(new HttpsConfigurator(ctx) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters p = getSSLContext().getDefaultSSLParameters();
          if (verify == RestApiConfig.VerifyClient.REQUIRED) {
            p.setNeedClientAuth(true);
          } else if (verify == RestApiConfig.VerifyClient.OPTIONAL) {
            // asked for on every connection, demanded only by the unsafe endpoints
            p.setWantClientAuth(true);
          }
          params.setSSLParameters(p);
        }
      });
      server = https;
    } else {
      server = HttpServer.create(bind, config.requestQueueSize());
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS, daemonThreads());
    server.setExecutor(pool);
    server.createContext("/", new RestHandler(config, identity, status, commands, clock));
    server.start();
    return new RestApiServer(server, pool);
  }

  /** The address the server listens on (with the actual port when started on port 0). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Whether the server speaks HTTPS. */
  public boolean tls() {
    return server instanceof HttpsServer;
  }

  /** Stops accepting connections and ends the worker threads; requests in flight are cut off. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "primus-rest-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
