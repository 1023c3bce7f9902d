package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.DcsConfigException;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLException;

/**
 * Builds the gRPC client TLS context from the {@code cacert}, {@code cert} and {@code key} files. Each
 * file is parsed up front so that a bad one is reported under its own key, not as a handshake failure
 * on the first request.
 */
final class Tls {
  private Tls() {}

  static SslContext clientContext(EtcdConfig config) throws DcsConfigException {
    // GrpcSslContexts sets the HTTP/2 ALPN and cipher settings gRPC needs.
    SslContextBuilder builder = GrpcSslContexts.forClient();
    if (config.cacert().isPresent()) {
      Path ca = config.cacert().get();
      requireCertificates(ca, "cacert");
      try {
        builder.trustManager(ca.toFile());
      } catch (IllegalArgumentException e) {
        throw new DcsConfigException("cacert", "'" + ca + "' holds no usable certificate: " + e.getMessage());
      }
    }
    if (config.cert().isPresent()) {
      Path cert = config.cert().get();
      Path key = config.key().orElseThrow();
      requireCertificates(cert, "cert");
      try {
        builder.keyManager(cert.toFile(), key.toFile());
      } catch (IllegalArgumentException e) {
        throw new DcsConfigException("key", "'" + key + "' is not a PEM private key matching 'cert' (PKCS#8"
            + " expected; convert with 'openssl pkcs8 -topk8 -nocrypt'): " + e.getMessage());
      }
    }
    try {
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new DcsConfigException(config.cert().isPresent() ? "key" : "cacert",
          "cannot build a TLS context: " + e.getMessage());
    }
  }

  private static void requireCertificates(Path file, String name) throws DcsConfigException {
    try (InputStream in = Files.newInputStream(file)) {
      if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
        throw new DcsConfigException(name, "'" + file + "' holds no PEM certificate");
      }
    } catch (IOException | CertificateException e) {
      throw new DcsConfigException(name, "'" + file + "' holds no usable PEM certificate: " + e.getMessage());
    }
  }
}
