package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.agent.PeerClient;
import dev.primus.agent.PrimusRuntime;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.ha.FailsafeAnswer;
import dev.primus.ha.PeerAnswer;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.wiring.RestClientTls;
import dev.primus.runner.wiring.RestClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Primus's REST clients against REST APIs served over HTTPS with self-signed certificates made by the
 * {@code openssl} command for this test, one of them naming another host than the one asked: the agent's
 * peer queries ({@code GET /patroni}, {@code POST /failsafe}) and {@code primus ctl}'s requests check
 * exactly what Patroni 3.0.2's client checks ({@link RestClientTls}). The server reads PKCS#1 and PKCS#8 keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestClientTlsIT {
  @TempDir
  static Path dir;

  private final RestServers servers = new RestServers();
  private final FakeStatusForRestTests status = new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED));
  private PrimusRuntime runtime;

  /** Self-signed, naming {@code not-this-host.invalid} only, key as PKCS#1 ({@code BEGIN RSA PRIVATE KEY}). */
  private Path otherName;
  private Path otherNameKey;
  /** Self-signed, naming 127.0.0.1, key as PKCS#8 ({@code BEGIN PRIVATE KEY}). */
  private Path loopback;
  private Path loopbackKey;
  /** Self-signed, CN=127.0.0.1 and no subject alternative names at all. */
  private Path noSan;
  private Path noSanKey;
  /** Another self-signed certificate: a CA bundle that trusts nobody here. */
  private Path stranger;

  @BeforeAll
  void certificates() throws Exception {
    otherNameKey = dir.resolve("other.key");
    openssl("genrsa", "-traditional", "-out", otherNameKey.toString(), "2048");
    otherName = selfSigned("other", otherNameKey, "DNS:not-this-host.invalid");
    assertTrue(Files.readString(otherNameKey).contains("BEGIN RSA PRIVATE KEY"), "PKCS#1");
    loopbackKey = dir.resolve("loopback.key");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", loopbackKey.toString());
    loopback = selfSigned("loopback", loopbackKey, "IP:127.0.0.1");
    assertTrue(Files.readString(loopbackKey).contains("BEGIN PRIVATE KEY"), "PKCS#8");
    noSanKey = dir.resolve("nosan.key");
    openssl("genrsa", "-out", noSanKey.toString(), "2048");
    noSan = dir.resolve("nosan.crt");
    openssl("req", "-x509", "-new", "-key", noSanKey.toString(), "-subj", "/CN=127.0.0.1", "-days", "2",
        "-out", noSan.toString());
    Path strangerKey = dir.resolve("stranger.key");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", strangerKey.toString());
    stranger = selfSigned("stranger", strangerKey, "IP:127.0.0.1");
    runtime = PrimusRuntime.create();
  }

  @AfterAll
  void stop() {
    servers.close();
    if (runtime != null) {
      runtime.close();
    }
  }

  private Path selfSigned(String name, Path key, String san) throws Exception {
    Path cert = dir.resolve(name + ".crt");
    openssl("req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=" + name, "-days", "2",
        "-addext", "subjectAltName=" + san, "-out", cert.toString());
    return cert;
  }

  private void openssl(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "openssl did not finish");
    assertEquals(0, p.exitValue(), "openssl " + String.join(" ", args) + ":\n" + out);
  }

  /** A member's {@code restapi} section serving {@code cert} with {@code key}. */
  private static RestApiConfig https(Path cert, Path key, Optional<Path> cafile, RestApiConfig.VerifyClient verify) {
    return new RestApiConfig(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008), Optional.empty(),
        Optional.of(cert), Optional.of(key), Optional.empty(), cafile, verify, List.of(), false, Map.of(), Map.of(), 5);
  }

  /** Starts a REST API with {@code config}; its {@code api_url}. */
  private String serve(RestApiConfig config) throws Exception {
    RestApiServer s = servers.server(config, TestNodes.LEADER_ID, status, new FakeCommandsForRestTests(TestNodes.cluster()));
    return "https://127.0.0.1:" + s.address().getPort() + "/patroni";
  }

  private static ClusterView memberAt(String apiUrl) {
    ClusterPath path = ClusterPath.of("tls");
    String member = "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\",\"api_url\":\"" + apiUrl
        + "\",\"state\":\"running\",\"role\":\"primary\"}";
    return PatroniCodec.decode(new Snapshot(path.base(), List.of(new KeyValue(path.key("members/node2"), member, 1,
        Optional.empty())), 1, ConnectionState.CONNECTED), path);
  }

  private PeerAnswer askPeer(RestClientTls tls, String apiUrl) throws Exception {
    PeerClient peers = runtime.peerClient(RestClients.client(tls, PeerClient.TIMEOUT));
    return peers.query(memberAt(apiUrl), List.of("node2")).toCompletableFuture().get(10, TimeUnit.SECONDS).get("node2");
  }

  /** A GET as {@code primus ctl} sends it ({@link RestClients#send}, what {@code CtlContext.request} calls). */
  private static int get(RestClientTls tls, String apiUrl) throws Exception {
    HttpClient http = RestClients.client(tls, Duration.ofSeconds(5));
    HttpResponse<String> r = RestClients.send(http, tls,
        HttpRequest.newBuilder(URI.create(apiUrl)).timeout(Duration.ofSeconds(5)).build());
    return r.statusCode();
  }

  private static CtlConfig ctl(boolean insecure, Optional<Path> cacert) {
    return new CtlConfig(Optional.empty(), insecure, cacert, Optional.empty(), Optional.empty(), Optional.empty());
  }

  @Test
  void theAgentAsksPeersWhoseCertificateNamesAnotherHostAsPatroniDoes() throws Exception {
    String api = serve(https(otherName, otherNameKey, Optional.empty(), RestApiConfig.VerifyClient.NONE));
    // This member's own REST API is plain HTTP: no certificate of its own, so nothing is checked.
    RestClientTls peers = RestClientTls.forPeers(CtlConfig.DEFAULT, RestServers.plain());

    PeerAnswer answer = askPeer(peers, api);
    assertInstanceOf(PeerAnswer.Answered.class, answer, String.valueOf(answer));
    assertTrue(((PeerAnswer.Answered) answer).status().walPosition() > 0);

    PeerClient client = runtime.peerClient(RestClients.client(peers, PeerClient.TIMEOUT));
    FailsafeAnswer failsafe = client.askFailsafe(Map.of("node2", api), new PeerClient.FailsafeRequest("node1",
        "postgres://127.0.0.1:5432/postgres", "https://127.0.0.1:1/patroni", 1)).toCompletableFuture()
        .get(10, TimeUnit.SECONDS).get("node2");
    // failsafe_mode is off on that member: its answer, over TLS, is a refusal with its status code.
    assertEquals(new FailsafeAnswer.Refused("HTTP 502 failsafe mode is not enabled"), failsafe);
  }

  @Test
  void theCtlGetsThroughWhenInsecureAndOtherwiseChecksChainAndName() throws Exception {
    String other = serve(https(otherName, otherNameKey, Optional.empty(), RestApiConfig.VerifyClient.NONE));

    assertEquals(200, get(RestClientTls.forCtl(ctl(true, Optional.empty()), Optional.empty(), false), other),
        "ctl.insecure (PATRONI_CTL_INSECURE)");
    assertEquals(200, get(RestClientTls.forCtl(ctl(false, Optional.empty()), Optional.empty(), true), other), "-k");

    IOException untrusted = assertThrows(IOException.class,
        () -> get(RestClientTls.forCtl(ctl(false, Optional.empty()), Optional.empty(), false), other));
    assertInstanceOf(SSLHandshakeException.class, untrusted.getCause(), "no CA bundle: the JDK's CAs know no self-signed one");
    assertTrue(untrusted.getMessage().contains("not signed by a trusted CA") && untrusted.getMessage().contains(
        "ctl.insecure (PATRONI_CTL_INSECURE, -k)"), untrusted.getMessage());
    IOException misnamed = assertThrows(IOException.class,
        () -> get(RestClientTls.forCtl(ctl(false, Optional.of(otherName)), Optional.empty(), false), other));
    assertTrue(misnamed.getMessage().contains("does not name 127.0.0.1"),
        "the chain is trusted, the name is not this host's: " + misnamed);

    String named = serve(https(loopback, loopbackKey, Optional.empty(), RestApiConfig.VerifyClient.NONE));
    assertEquals(200, get(RestClientTls.forCtl(ctl(false, Optional.of(loopback)), Optional.empty(), false), named),
        "ctl.cacert: chain and name check out");
    IOException unsigned = assertThrows(IOException.class,
        () -> get(RestClientTls.forCtl(ctl(false, Optional.of(stranger)), Optional.empty(), false), named),
        "a bundle that did not sign it");
    assertTrue(unsigned.getMessage().contains("not signed by a trusted CA")
        && unsigned.getMessage().contains("the CA bundle " + stranger), unsigned.getMessage());
  }

  @Test
  void aSelfSignedCertificateWithoutSubjectAlternativeNamesAsInTheIssue() throws Exception {
    // What the issue met: the REST API served by a certificate naming its host in the CN alone.
    String api = serve(https(noSan, noSanKey, Optional.empty(), RestApiConfig.VerifyClient.NONE));

    // The agent (a leader race, the candidate's check before a switchover) gets its answer, as Patroni's does.
    PeerAnswer answer = askPeer(RestClientTls.forPeers(ctl(false, Optional.empty()), RestServers.plain()), api);
    assertInstanceOf(PeerAnswer.Answered.class, answer, String.valueOf(answer));

    assertEquals(200, get(RestClientTls.forCtl(ctl(true, Optional.empty()), Optional.empty(), false), api),
        "ctl.insecure: no chain, no name checked");
    IOException untrusted = assertThrows(IOException.class,
        () -> get(RestClientTls.forCtl(ctl(false, Optional.empty()), Optional.empty(), false), api));
    assertTrue(untrusted.getMessage().startsWith("TLS handshake with 127.0.0.1:") && untrusted.getMessage().contains(
        "not signed by a trusted CA") && untrusted.getMessage().contains("JDK's trusted CAs"), untrusted.getMessage());
    // Trusted, yet an address is matched against IP subject alternative names only: Patroni (Python's ssl)
    // refuses this one too.
    IOException nameless = assertThrows(IOException.class,
        () -> get(RestClientTls.forCtl(ctl(false, Optional.of(noSan)), Optional.empty(), false), api));
    assertTrue(nameless.getMessage().contains("No subject alternative names present")
        && nameless.getMessage().contains(noSan.toString()), nameless.getMessage());
  }

  @Test
  void withAClientCertificateTheChainIsCheckedEvenWhenInsecure() throws Exception {
    // One self-signed certificate for every member, each trusting it for clients (restapi.cafile): the agent
    // presents it (restapi.certfile) and checks the peer's chain against it, but not the peer's name.
    RestApiConfig shared = https(otherName, otherNameKey, Optional.of(otherName), RestApiConfig.VerifyClient.REQUIRED);
    String api = serve(shared);

    PeerAnswer answer = askPeer(RestClientTls.forPeers(CtlConfig.DEFAULT, shared), api);
    assertInstanceOf(PeerAnswer.Answered.class, answer, String.valueOf(answer));

    // The same member with another CA bundle: insecure, yet the chain must check out.
    CtlConfig otherBundle = new CtlConfig(Optional.empty(), true, Optional.of(stranger), Optional.empty(),
        Optional.empty(), Optional.empty());
    PeerAnswer refused = askPeer(RestClientTls.forPeers(otherBundle, shared), api);
    assertInstanceOf(PeerAnswer.NoAnswer.class, refused);
    assertTrue(((PeerAnswer.NoAnswer) refused).reason().contains("SSLHandshakeException"), refused.toString());

    // Without a certificate to present, a server that requires one refuses the handshake.
    PeerAnswer anonymous = askPeer(RestClientTls.forPeers(CtlConfig.DEFAULT, RestServers.plain()), api);
    assertInstanceOf(PeerAnswer.NoAnswer.class, anonymous);
  }
}
