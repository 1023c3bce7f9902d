package dev.primus.runner.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.rest.PemTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's peer client explains a failed handshake. Found by PatroniSetupE2eIT: members serving HTTPS with
 * self-signed certificates and no {@code restapi.cafile} refused a switchover with the candidate's "did not
 * answer: javax.net.ssl.SSLHandshakeException: PKIX path building failed", which names neither the check
 * (Patroni's: the chain, because {@code restapi.certfile} is presented) nor the key that fixes it.
 */
class ExplainingHttpClientTest {
  private HttpsServer server;
  private URI uri;

  @BeforeEach
  void serve() throws Exception {
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(PemTls.serverContext(tls("server.crt"),
        Optional.of(tls("server-pkcs8.key")), Optional.empty(), Optional.empty())));
    server.createContext("/patroni", ex -> {
      byte[] body = "{\"state\":\"running\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/patroni");
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** A member serving HTTPS with restapi.certfile, and restapi.cafile when given. */
  private static RestClientTls peers(Optional<Path> cafile) throws Exception {
    RestApiConfig restapi = new RestApiConfig(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008),
        Optional.empty(), Optional.of(tls("server.crt")), Optional.of(tls("server-pkcs8.key")), Optional.empty(),
        cafile, RestApiConfig.VerifyClient.NONE, List.of(), false, Map.of(), Map.of(), 5);
    return RestClientTls.forPeers(CtlConfig.DEFAULT, restapi);
  }

  @Test
  void aPeerWhoseChainCannotBeCheckedFailsSayingWhatWasCheckedAndWhichKeyFixesIt() throws Exception {
    RestClientTls tls = peers(Optional.empty());
    HttpClient http = RestClients.peerClient(tls, Duration.ofSeconds(5));
    HttpRequest get = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();

    ExecutionException async = assertThrows(ExecutionException.class,
        () -> http.sendAsync(get, HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));
    IOException explained = assertInstanceOf(IOException.class, async.getCause());
    String m = explained.getMessage();
    assertTrue(m.startsWith("TLS handshake with 127.0.0.1:" + server.getAddress().getPort() + " failed, its certificate"
        + " is not signed by a trusted CA: "), m);
    assertTrue(m.contains("neither ctl.cacert nor restapi.cafile is set"), m);
    assertTrue(m.contains("not its name"), m);
    assertInstanceOf(SSLHandshakeException.class, explained.getCause(), "the JDK's exception stays the cause");

    IOException blocking = assertThrows(IOException.class, () -> http.send(get, HttpResponse.BodyHandlers.ofString()));
    assertTrue(blocking.getMessage().contains("neither ctl.cacert nor restapi.cafile is set"), blocking.getMessage());
  }

  @Test
  void withTheCaBundleThePeerAnswersAsBefore() throws Exception {
    HttpClient http = RestClients.peerClient(peers(Optional.of(tls("ca.crt"))), Duration.ofSeconds(5));
    HttpResponse<String> r = http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
    assertEquals(200, r.statusCode());
    assertEquals("{\"state\":\"running\"}", r.body());
  }

  @Test
  void otherFailuresPassUnchanged() throws Exception {
    HttpClient http = RestClients.peerClient(peers(Optional.empty()), Duration.ofSeconds(2));
    server.stop(0);
    ExecutionException e = assertThrows(ExecutionException.class, () -> http.sendAsync(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString())
        .get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof java.net.ConnectException, String.valueOf(e.getCause()));
  }

  private static Path tls(String name) throws Exception {
    return Path.of(ExplainingHttpClientTest.class.getResource("/tls/" + name).toURI());
  }
}
