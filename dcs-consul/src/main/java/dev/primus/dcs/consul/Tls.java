package dev.primus.dcs.consul;

import dev.primus.dcs.spi.DcsConfigException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS material for an {@code https} agent, built from Patroni's PEM files with the JDK alone.
 *
 * <p>{@code cacert} holds one or more CA certificates; without it the JDK's trust store is used.
 * {@code cert} holds the client certificate chain and, when {@code key} is absent, its private key too
 * (Python's {@code requests} accepts such a combined file, so Patroni configurations use it). Keys may be
 * PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC
 * ({@code BEGIN EC PRIVATE KEY}, what {@code consul tls cert create} writes); encrypted keys are refused.
 * {@code verify: false} trusts any certificate and host name, as Patroni does with it.
 *
 * @param context          the SSL context for the client
 * @param trustManager     the trust manager inside it (OkHttp needs both)
 * @param hostnameVerifier the host name check to use instead of OkHttp's, if any
 */
record Tls(SSLContext context, X509TrustManager trustManager, Optional<HostnameVerifier> hostnameVerifier) {

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----", Pattern.DOTALL);
  /** rsaEncryption, 1.2.840.113549.1.1.1. */
  private static final byte[] RSA_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
  /** id-ecPublicKey, 1.2.840.10045.2.1. */
  private static final byte[] EC_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

  /** The material for {@code config}, or empty if the agent is reached over plain http. */
  static Optional<Tls> of(ConsulConfig config) throws DcsConfigException {
    if (!config.tls()) {
      return Optional.empty();
    }
    try {
      X509TrustManager trust;
      Optional<HostnameVerifier> hostnames = Optional.empty();
      if (!config.verify()) {
        trust = new TrustEverything();
        hostnames = Optional.of((host, session) -> true);
      } else if (config.cacert().isPresent()) {
        trust = trustManager(certificates(config.cacert().get(), "cacert"), "cacert");
      } else {
        trust = trustManager(null, "cacert");
      }

      KeyManagerFactory keys = null;
      if (config.cert().isPresent()) {
        List<X509Certificate> chain = certificates(config.cert().get(), "cert");
        String keyName = config.key().isPresent() ? "key" : "cert";
        PrivateKey privateKey = privateKey(config.key().orElse(config.cert().get()), keyName);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", privateKey, new char[0], chain.toArray(new Certificate[0]));
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, new char[0]);
      }

      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), new TrustManager[] {trust}, null);
      return Optional.of(new Tls(context, trust, hostnames));
    } catch (GeneralSecurityException | IOException e) {
      throw new DcsConfigException(config.cert().isPresent() ? "cert" : "cacert", "cannot set up TLS: " + e);
    }
  }

  private static X509TrustManager trustManager(List<X509Certificate> cas, String name)
      throws GeneralSecurityException, IOException, DcsConfigException {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (cas == null) {
      factory.init((KeyStore) null);
    } else {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < cas.size(); i++) {
        store.setCertificateEntry("ca-" + i, cas.get(i));
      }
      factory.init(store);
    }
    for (TrustManager tm : factory.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new DcsConfigException(name, "the JDK offers no X.509 trust manager");
  }

  static List<X509Certificate> certificates(Path file, String name) throws IOException, DcsConfigException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Pem block : pems(file)) {
        if (block.type().equals("CERTIFICATE")) {
          out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
        }
      }
    } catch (CertificateException e) {
      throw new DcsConfigException(name, "'" + file + "' holds a certificate that cannot be read: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new DcsConfigException(name, "'" + file + "' holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    return out;
  }

  static PrivateKey privateKey(Path file, String name) throws IOException, DcsConfigException {
    for (Pem block : pems(file)) {
      switch (block.type()) {
        case "PRIVATE KEY":
          return pkcs8(block.der(), file, name);
        case "RSA PRIVATE KEY":
          return pkcs8(wrap(RSA_OID, null, block.der()), file, name);
        case "EC PRIVATE KEY":
          return pkcs8(wrap(EC_OID, curveOf(block.der(), file, name), block.der()), file, name);
        case "ENCRYPTED PRIVATE KEY":
          throw new DcsConfigException(name, "'" + file + "' holds an encrypted key; give an unencrypted one"
              + " (openssl pkcs8 -topk8 -nocrypt)");
        default:
          break;
      }
    }
    throw new DcsConfigException(name, "'" + file + "' holds no PEM private key (BEGIN PRIVATE KEY,"
        + " RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static PrivateKey pkcs8(byte[] der, Path file, String name) throws DcsConfigException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "DSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // Not this algorithm: PKCS#8 names it inside, but trying is simpler than parsing it.
      }
    }
    throw new DcsConfigException(name, "'" + file + "' holds a private key the JDK cannot read");
  }

  /**
   * Wraps a PKCS#1 or SEC1 key in a PKCS#8 envelope: SEQUENCE { INTEGER 0, SEQUENCE { algorithm OID,
   * parameters }, OCTET STRING key }. RSA's parameters are NULL; EC's are the named curve's OID.
   */
  private static byte[] wrap(byte[] algorithm, byte[] curveOid, byte[] key) {
    byte[] params = curveOid == null ? new byte[] {0x05, 0x00} : tlv(0x06, curveOid);
    byte[] algorithmId = tlv(0x30, concat(tlv(0x06, algorithm), params));
    return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithmId, tlv(0x04, key)));
  }

  /** The named curve's OID in a SEC1 ECPrivateKey: the contents of its [0] parameters field. */
  private static byte[] curveOf(byte[] sec1, Path file, String name) throws DcsConfigException {
    try {
      Der seq = new Der(sec1, 0);
      int at = seq.contentStart;
      while (at < seq.end) {
        Der field = new Der(sec1, at);
        if ((field.tag & 0xff) == 0xa0) {
          Der oid = new Der(sec1, field.contentStart);
          if (oid.tag == 0x06) {
            byte[] out = new byte[oid.end - oid.contentStart];
            System.arraycopy(sec1, oid.contentStart, out, 0, out.length);
            return out;
          }
        }
        at = field.end;
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      // Falls through to the error below: the structure is truncated.
    }
    throw new DcsConfigException(name, "'" + file + "' holds an EC key without a named curve;"
        + " convert it with openssl pkcs8 -topk8 -nocrypt");
  }

  /** One DER element: tag, where its contents start, and where it ends. */
  private static final class Der {
    final int tag;
    final int contentStart;
    final int end;

    Der(byte[] b, int at) {
      tag = b[at] & 0xff;
      int len = b[at + 1] & 0xff;
      int start = at + 2;
      if (len > 0x7f) {
        int n = len & 0x7f;
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (b[start + i] & 0xff);
        }
        start += n;
      }
      contentStart = start;
      end = start + len;
    }
  }

  private static byte[] tlv(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = contents.length;
    if (len < 0x80) {
      out.write(len);
    } else {
      int bytes = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write((len >>> (8 * i)) & 0xff);
      }
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private record Pem(String type, byte[] der) {}

  private static List<Pem> pems(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    List<Pem> out = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      String body = m.group(2);
      if (body.contains(":")) {
        // "Proc-Type: 4,ENCRYPTED" headers: a legacy encrypted key.
        out.add(new Pem("ENCRYPTED PRIVATE KEY", new byte[0]));
        continue;
      }
      out.add(new Pem(m.group(1), Base64.getMimeDecoder().decode(body)));
    }
    return out;
  }

  /** {@code verify: false}: accepts any server certificate, as Patroni does with that setting. */
  private static final class TrustEverything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // Never used: this is a client.
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // Deliberately empty: verification was switched off in the configuration.
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
