package dev.primus.runner.wiring;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.config.Secret;
import dev.primus.runner.rest.PemTls;
import dev.primus.runner.wiring.RestClientTls.ClientCertificate;
import dev.primus.runner.wiring.RestClientTls.ServerCheck;
import java.io.ByteArrayInputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;

/**
 * What Primus's REST clients check of a member's certificate and which one they present, key by key as
 * Patroni 3.0.2's {@code PatroniRequest} decides it, and the two trust managers that carry the insecure
 * choices out.
 */
class RestClientTlsTest {
  private static final Path CTL_CA = Path.of("/etc/ctl/ca.pem");
  private static final Path API_CA = Path.of("/etc/api/ca.pem");
  private static final Path API_CERT = Path.of("/etc/api/server.pem");
  private static final Path API_KEY = Path.of("/etc/api/server.key");
  private static final Path CTL_CERT = Path.of("/etc/ctl/client.pem");
  private static final Path CTL_KEY = Path.of("/etc/ctl/client.key");

  private static CtlConfig ctl(boolean insecure, Optional<Path> cacert, Optional<Path> certfile, Optional<Path> keyfile) {
    return new CtlConfig(Optional.empty(), insecure, cacert, certfile, keyfile, Optional.empty());
  }

  private static RestApiConfig restapi(boolean https) {
    return new RestApiConfig(new HostPort("0.0.0.0", 8008), new HostPort("10.0.0.1", 8008), Optional.empty(),
        https ? Optional.of(API_CERT) : Optional.empty(), https ? Optional.of(API_KEY) : Optional.empty(),
        https ? Optional.of(Secret.of("pw")) : Optional.empty(), Optional.of(API_CA), RestApiConfig.VerifyClient.NONE,
        List.of(), false, Map.of(), Map.of(), 5);
  }

  @Test
  void theAgentChecksNothingOfItsPeersWithoutACertificateOfItsOwn() {
    // Patroni's agent: PatroniRequest(config, True), whatever ctl.insecure says.
    RestClientTls peers = RestClientTls.forPeers(CtlConfig.DEFAULT, restapi(false));
    assertEquals(ServerCheck.NOTHING, peers.serverCheck());
    assertEquals(Optional.empty(), peers.clientCertificate());
  }

  @Test
  void anAgentServingHttpsPresentsItsCertificateAndChecksThePeersChainsNotTheirNames() {
    RestClientTls peers = RestClientTls.forPeers(CtlConfig.DEFAULT, restapi(true));
    assertEquals(ServerCheck.CHAIN, peers.serverCheck());
    assertEquals(Optional.of(API_CA), peers.cafile(), "restapi.cafile when ctl.cacert is not set");
    assertEquals(Optional.of(new ClientCertificate(API_CERT, Optional.of(API_KEY), Optional.of(Secret.of("pw")))),
        peers.clientCertificate());
  }

  @Test
  void theCtlChecksChainAndNameUnlessInsecure() {
    RestClientTls strict = RestClientTls.forCtl(ctl(false, Optional.of(CTL_CA), Optional.empty(), Optional.empty()),
        Optional.empty(), false);
    assertEquals(ServerCheck.CHAIN_AND_HOST_NAME, strict.serverCheck());
    assertEquals(Optional.of(CTL_CA), strict.cafile());

    assertEquals(ServerCheck.NOTHING, RestClientTls.forCtl(ctl(true, Optional.of(CTL_CA), Optional.empty(),
        Optional.empty()), Optional.empty(), false).serverCheck(), "ctl.insecure (PATRONI_CTL_INSECURE)");
    assertEquals(ServerCheck.NOTHING, RestClientTls.forCtl(CtlConfig.DEFAULT, Optional.empty(), true).serverCheck(),
        "-k");
    assertEquals(Optional.of(API_CA), RestClientTls.of(CtlConfig.DEFAULT, Optional.of(restapi(false)), false).cafile(),
        "restapi.cafile is the CA bundle when ctl.cacert is not set");
    assertEquals(Optional.empty(), RestClientTls.of(CtlConfig.DEFAULT, Optional.empty(), false).cafile(),
        "the JDK's trusted CAs");
  }

  @Test
  void aClientCertificateMakesTheChainRequiredEvenWhenInsecure() {
    CtlConfig withCert = ctl(true, Optional.empty(), Optional.of(CTL_CERT), Optional.of(CTL_KEY));
    RestClientTls insecure = RestClientTls.of(withCert, Optional.of(restapi(true)), true);
    assertEquals(ServerCheck.CHAIN, insecure.serverCheck());
    assertEquals(Optional.of(new ClientCertificate(CTL_CERT, Optional.of(CTL_KEY), Optional.of(Secret.of("pw")))),
        insecure.clientCertificate(), "ctl's certificate and key; the passphrase falls back to restapi's");
    assertEquals(ServerCheck.CHAIN_AND_HOST_NAME, RestClientTls.of(withCert, Optional.empty(), false).serverCheck());
  }

  // ---- the trust managers --------------------------------------------------------------------

  private static Path tls(String name) throws URISyntaxException {
    return Path.of(RestClientTlsTest.class.getResource("/tls/" + name).toURI());
  }

  private static X509Certificate[] chain(String name) throws Exception {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    return new X509Certificate[] {(X509Certificate) cf.generateCertificate(
        new ByteArrayInputStream(Files.readAllBytes(tls(name))))};
  }

  @Test
  void chainOnlyAcceptsAChainToTheBundleAndRejectsAnyOther() throws Exception {
    // Whatever the names: RestClientTlsIT shows it with real handshakes.
    ChainOnly fromCa = new ChainOnly(PemTls.trustManager(Optional.of(tls("ca.crt"))));
    // The engine carries the host name and asks for HTTPS identification; ChainOnly never hands it on.
    assertDoesNotThrow(() -> fromCa.checkServerTrusted(chain("server.crt"), "RSA", (SSLEngine) null));
    assertThrows(CertificateException.class, () -> fromCa.checkServerTrusted(chain("client.crt"), "RSA",
        (SSLEngine) null), "the chain's checks stay, the key usage too: that one is for clients only");

    ChainOnly fromOther = new ChainOnly(PemTls.trustManager(Optional.of(tls("server.crt"))));
    assertThrows(CertificateException.class,
        () -> fromOther.checkServerTrusted(chain("client.crt"), "RSA", (SSLEngine) null));
    assertThrows(CertificateException.class, () -> fromCa.checkClientTrusted(chain("client.crt"), "RSA"),
        "a client's trust manager never judges clients");
  }

  @Test
  void anyServerCertificateAcceptsEverything() throws Exception {
    AnyServerCertificate any = new AnyServerCertificate();
    assertDoesNotThrow(() -> any.checkServerTrusted(chain("client.crt"), "RSA", (SSLEngine) null),
        "not even the key usage is looked at");
    assertEquals(0, any.getAcceptedIssuers().length);
  }
}
