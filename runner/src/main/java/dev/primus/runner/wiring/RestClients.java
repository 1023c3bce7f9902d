package dev.primus.runner.wiring;

import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.RestApiConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

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

  /** The {@code Authorization} header value for unsafe requests, if credentials are configured. */
  public static Optional<String> authorization(CtlConfig ctl, Optional<RestApiConfig> restapi) {
    Optional<BasicAuth> auth = ctl.authentication().or(() -> restapi.flatMap(RestApiConfig::authentication));
    return auth.map(a -> "Basic " + Base64.getEncoder().encodeToString(
        (a.username() + ":" + a.password().reveal()).getBytes(StandardCharsets.UTF_8)));
  }
}
