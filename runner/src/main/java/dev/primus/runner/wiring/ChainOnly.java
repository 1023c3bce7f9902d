package dev.primus.runner.wiring;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks that a server's certificate chain leads to a trusted CA, and nothing about the names in it:
 * {@link RestClientTls.ServerCheck#CHAIN}, Patroni's insecure client with a client certificate
 * ({@code CERT_REQUIRED}, {@code assert_hostname=False}).
 *
 * <p>The JDK's PKIX trust manager checks the host name when handed the connection's engine, whose
 * parameters ask for HTTPS endpoint identification (the JDK's {@code HttpClient} always sets that); handed
 * the chain alone it checks the chain alone (path, validity, the JDK's disabled algorithms). So the engine
 * is kept from it. Why an {@link X509ExtendedTrustManager}: see {@link AnyServerCertificate}.
 */
final class ChainOnly extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;

  ChainOnly(X509ExtendedTrustManager pkix) {
    this.pkix = Objects.requireNonNull(pkix, "pkix");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    pkix.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a client's trust manager does not judge clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
