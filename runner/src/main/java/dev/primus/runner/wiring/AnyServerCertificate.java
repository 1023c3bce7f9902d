package dev.primus.runner.wiring;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts any server certificate: {@link RestClientTls.ServerCheck#NOTHING}, what the operator asked for
 * with an insecure client and no client certificate.
 *
 * <p>An {@link X509ExtendedTrustManager} on purpose. The JDK's {@code HttpClient} always asks its engines for
 * HTTPS endpoint identification (an {@code SSLParameters} without it does not change that, tried on Java 17),
 * and wraps a plain {@code X509TrustManager} in a check of the host name; an extended one is trusted to do its
 * own checking. That keeps the choice per client, where the only other way,
 * {@code -Djdk.internal.httpclient.disableHostnameVerification}, would turn host names off for the whole JVM.
 */
final class AnyServerCertificate extends X509ExtendedTrustManager {

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
    // insecure on purpose
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
    // insecure on purpose
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    // insecure on purpose
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
    return new X509Certificate[0];
  }
}
