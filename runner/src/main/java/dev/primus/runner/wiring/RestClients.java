package dev.primus.runner.wiring;

import dev.primus.runner.config.BasicAuth;
import dev.primus.runner.config.CtlConfig;
import dev.primus.runner.config.RestApiConfig;
import dev.primus.runner.rest.PemTls;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * HTTP clients for talking to members' REST APIs (peers in a leader race, {@code primus ctl}): the
 * certificate checks and client certificate of the {@code ctl} section, falling back to
 * {@code restapi.cafile}, and the Basic credentials of {@code ctl.authentication}, falling back to
 * {@code restapi.authentication}, as Patroni does.
 */
public final class RestClients {
  private RestClients() {}

  /** A client with {@code connectTimeout} and the TLS settings of {@code ctl} / {@code restapi}. */
  public static HttpClient client(CtlConfig ctl, Optional<RestApiConfig> restapi, Duration connectTimeout)
      throws IOException, GeneralSecurityException {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    b.sslContext(sslContext(ctl, restapi));
    return b.build();
  }

  /** The {@code Authorization} header value for unsafe requests, if credentials are configured. */
  public static Optional<String> authorization(CtlConfig ctl, Optional<RestApiConfig> restapi) {
    Optional<BasicAuth> auth = ctl.authentication().or(() -> restapi.flatMap(RestApiConfig::authentication));
    return auth.map(a -> "Basic " + Base64.getEncoder().encodeToString(
        (a.username() + ":" + a.password().reveal()).getBytes(StandardCharsets.UTF_8)));
  }

  private static SSLContext sslContext(CtlConfig ctl, Optional<RestApiConfig> restapi)
      throws IOException, GeneralSecurityException {
    if (ctl.insecure()) {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new TrustEverything()}, new SecureRandom());
      return ctx;
    }
    Optional<java.nio.file.Path> ca = ctl.cacert().or(() -> restapi.flatMap(RestApiConfig::cafile));
    if (ctl.certfile().isPresent()) {
      // The server-side builder gives a context with this key and that CA, which is what a client needs too.
      return PemTls.serverContext(ctl.certfile().get(), ctl.keyfile(), ctl.keyfilePassword(), ca);
    }
    if (ca.isPresent()) {
      KeyStore trust = PemTls.trustStore(ca.get());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    }
    return SSLContext.getDefault();
  }

  /** {@code ctl.insecure: true}: the operator asked not to check the server's certificate. */
  private static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // not a server
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // insecure on purpose
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
