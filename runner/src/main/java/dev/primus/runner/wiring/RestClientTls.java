package dev.primus.runner.wiring;

import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.config.Secret;
import dev.primus.runner.rest.PemTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a REST client of Primus checks a member's HTTPS certificate, and which certificate it presents: exactly
 * what Patroni 3.0.2's client does ({@code patroni/request.py}, {@code PatroniRequest}), from the same keys.
 * Each key is taken from {@code ctl} first, then from {@code restapi}: the CA bundle ({@code ctl.cacert},
 * {@code restapi.cafile}), the client certificate ({@code certfile}, {@code keyfile},
 * {@code keyfile_password}: so a member whose REST API serves HTTPS presents its own server certificate).
 * <ul>
 *   <li>With a client certificate, the server's chain must lead to the CA bundle (or to the JDK's trusted
 *       CAs without one) even when insecure; insecure only spares the host name.</li>
 *   <li>Without one, insecure checks nothing; otherwise the chain and the host name.</li>
 * </ul>
 * Patroni's own agent is always insecure ({@code PatroniRequest(config, True)}): {@link #forPeers}.
 * {@code patronictl} is insecure with {@code ctl.insecure} ({@code PATRONI_CTL_INSECURE}) or {@code -k}:
 * {@link #forCtl}.
 *
 * @param serverCheck       what is checked of the server's certificate
 * @param cafile            the CA bundle the chain must lead to; the JDK's trusted CAs without one
 * @param clientCertificate the certificate presented to servers that ask for one
 */
public record RestClientTls(ServerCheck serverCheck, Optional<Path> cafile, Optional<ClientCertificate> clientCertificate) {

  public RestClientTls {
    Objects.requireNonNull(serverCheck, "serverCheck");
    Objects.requireNonNull(cafile, "cafile");
    Objects.requireNonNull(clientCertificate, "clientCertificate");
  }

  /** What is checked of a server's certificate (urllib3's {@code cert_reqs} and {@code assert_hostname}). */
  public enum ServerCheck {
    /** Nothing: any certificate will do ({@code CERT_NONE}). */
    NOTHING,
    /** That its chain leads to a trusted CA, not the names in it ({@code CERT_REQUIRED}, {@code assert_hostname=False}). */
    CHAIN,
    /** Its chain, and that it names the host asked for ({@code CERT_REQUIRED}). */
    CHAIN_AND_HOST_NAME
  }

  /**
   * A client certificate: PEM chain, PEM key (PKCS#1, PKCS#8, encrypted PKCS#8, SEC1; in the certificate file
   * when absent) and the key's passphrase.
   */
  public record ClientCertificate(Path certfile, Optional<Path> keyfile, Optional<Secret> keyfilePassword) {
    public ClientCertificate {
      Objects.requireNonNull(certfile, "certfile");
      Objects.requireNonNull(keyfile, "keyfile");
      Objects.requireNonNull(keyfilePassword, "keyfilePassword");
    }
  }

  /**
   * Patroni's rule for a client built from {@code ctl} and {@code restapi} that is {@code insecure} or not.
   */
  public static RestClientTls of(CtlConfig ctl, Optional<RestApiConfig> restapi, boolean insecure) {
    Objects.requireNonNull(ctl, "ctl");
    Objects.requireNonNull(restapi, "restapi");
    Optional<Path> ca = ctl.cacert().or(() -> restapi.flatMap(RestApiConfig::cafile));
    Optional<Path> cert = ctl.certfile().or(() -> restapi.flatMap(RestApiConfig::certfile));
    if (cert.isPresent()) {
      ClientCertificate own = new ClientCertificate(cert.get(),
          ctl.keyfile().or(() -> restapi.flatMap(RestApiConfig::keyfile)),
          ctl.keyfilePassword().or(() -> restapi.flatMap(RestApiConfig::keyfilePassword)));
      return new RestClientTls(insecure ? ServerCheck.CHAIN : ServerCheck.CHAIN_AND_HOST_NAME, ca, Optional.of(own));
    }
    return new RestClientTls(insecure ? ServerCheck.NOTHING : ServerCheck.CHAIN_AND_HOST_NAME, ca, Optional.empty());
  }

  /**
   * The agent's client for other members (their status in a leader race and before a switchover,
   * {@code POST /failsafe}): insecure whatever {@code ctl.insecure} says, as Patroni's agent is, so a cluster
   * with self-signed certificates that Patroni runs, Primus runs too. With a certificate of its own
   * ({@code restapi.certfile} when the REST API serves HTTPS) the peers' chains are checked all the same.
   */
  public static RestClientTls forPeers(CtlConfig ctl, RestApiConfig restapi) {
    return of(ctl, Optional.of(restapi), true);
  }

  /**
   * {@code primus ctl}'s client: insecure when {@code ctl.insecure} is on (or {@code PATRONI_CTL_INSECURE}) or
   * {@code -k} was given.
   */
  public static RestClientTls forCtl(CtlConfig ctl, Optional<RestApiConfig> restapi, boolean insecureFlag) {
    return of(ctl, restapi, insecureFlag || ctl.insecure());
  }

  /** An SSL context that checks and presents what this says. */
  public SSLContext sslContext() throws IOException, GeneralSecurityException {
    KeyManager[] keys = clientCertificate.isPresent()
        ? PemTls.keyManagers(clientCertificate.get().certfile(), clientCertificate.get().keyfile(),
            clientCertificate.get().keyfilePassword())
        : null;
    X509ExtendedTrustManager trust = switch (serverCheck) {
      case NOTHING -> new AnyServerCertificate();
      case CHAIN -> new ChainOnly(PemTls.trustManager(cafile));
      case CHAIN_AND_HOST_NAME -> PemTls.trustManager(cafile);
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, new TrustManager[] {trust}, null);
    return ctx;
  }
}
