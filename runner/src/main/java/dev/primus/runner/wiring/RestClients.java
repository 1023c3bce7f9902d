package dev.primus.runner.wiring;

import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.RestApiConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * HTTP clients for talking to members' REST APIs (peers in a leader race and before a switchover,
 * {@code primus ctl}): certificates checked and presented as {@link RestClientTls} says, which is what
 * Patroni's client does, and the Basic credentials of {@code ctl.authentication}, falling back to
 * {@code restapi.authentication}, as Patroni does.
 */
public final class RestClients {
  private RestClients() {}

  /** A client with {@code connectTimeout} and the TLS settings {@code tls}. */
  public static HttpClient client(RestClientTls tls, Duration connectTimeout) throws IOException, GeneralSecurityException {
    return HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER)
        .sslContext(tls.sslContext()).build();
  }

  /**
   * The agent's client for its peers: {@link #client}, whose failed TLS handshakes say what was checked
   * ({@link #tlsFailure}), also in the answers of {@code sendAsync} that end up in a refused switchover.
   */
  public static HttpClient peerClient(RestClientTls tls, Duration connectTimeout)
      throws IOException, GeneralSecurityException {
    return new ExplainingHttpClient(client(tls, connectTimeout), tls);
  }

  /**
   * {@code request} sent with {@code http}, a client built from {@code tls}, the body read as text; a failed TLS
   * handshake becomes {@link #tlsFailure}'s explanation.
   */
  public static HttpResponse<String> send(HttpClient http, RestClientTls tls, HttpRequest request)
      throws IOException, InterruptedException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (SSLException e) {
      throw tlsFailure(request.uri(), tls, e);
    }
  }

  /**
   * What a failed handshake with {@code uri} means for an operator: the JDK's reason, what was checked of the
   * server's certificate and against which CAs, and the keys that change it.
   */
  public static IOException tlsFailure(URI uri, RestClientTls tls, SSLException e) {
    String reason = String.valueOf(e.getMessage());
    String meaning = reason.contains("PKIX path") ? "its certificate is not signed by a trusted CA: "
        : reason.contains("No subject alternative") || reason.contains("No name matching")
            ? "its certificate does not name " + uri.getHost() + ": "
            : "";
    String ca = tls.cafile().map(p -> "the CA bundle " + p + " (ctl.cacert, else restapi.cafile)")
        .orElse("the JDK's trusted CAs (neither ctl.cacert nor restapi.cafile is set)");
    String checked = switch (tls.serverCheck()) {
      case NOTHING -> "no server certificate is checked (insecure)";
      case CHAIN -> "its chain is checked against " + ca + ", not its name: insecure, but a client certificate"
          + " is configured, and Patroni checks the chain then";
      case CHAIN_AND_HOST_NAME -> "its chain is checked against " + ca + ", its names against the host asked for;"
          + " ctl.insecure (PATRONI_CTL_INSECURE, -k) turns both checks off";
    };
    return new IOException("TLS handshake with " + uri.getHost() + ":" + uri.getPort() + " failed, " + meaning
        + reason + " (" + checked + ")", e);
  }

  /** The {@code Authorization} header value for unsafe requests, if credentials are configured. */
  public static Optional<String> authorization(CtlConfig ctl, Optional<RestApiConfig> restapi) {
    Optional<BasicAuth> auth = ctl.authentication().or(() -> restapi.flatMap(RestApiConfig::authentication));
    return auth.map(a -> "Basic " + Base64.getEncoder().encodeToString(
        (a.username() + ":" + a.password().reveal()).getBytes(StandardCharsets.UTF_8)));
  }
}
