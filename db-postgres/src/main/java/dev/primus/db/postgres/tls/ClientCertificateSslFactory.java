package dev.primus.db.postgres.tls;

import dev.primus.db.postgres.tls.KeyFileException.Problem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CRL;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * pgJDBC's {@code sslfactory} for Primus's own connections: the client certificate and key are read as libpq
 * reads them ({@link PrivateKeyFiles}: PEM PKCS#1, SEC1, PKCS#8, encrypted PKCS#8, DER), where pgJDBC's
 * default only takes a PKCS#8 DER key. The same {@code sslkey}, {@code sslcert}, {@code sslpassword},
 * {@code sslrootcert}, {@code sslcrl} and {@code sslmode} settings therefore mean the same thing to the
 * driver's JDBC connections as to psql, pg_basebackup and pg_rewind, which get the files unchanged.
 *
 * <p>Trust follows libpq: {@code verify-ca} and {@code verify-full} check the server's chain against
 * {@code sslrootcert} ({@code system}: the JDK's trust store), as does {@code require} when that file exists;
 * the other modes encrypt without checking. pgJDBC itself checks the host name for {@code verify-full}.
 * pgJDBC builds one per connection (by class name, with the connection's properties), so a rotated key file
 * is read at the next connection. A file that cannot be used fails the connection with its reason.
 */
public final class ClientCertificateSslFactory extends SSLSocketFactory {
  private static final String DEFAULT_DIR = ".postgresql";

  private final SSLSocketFactory delegate;
  private final Optional<KeyFileException> failure;

  /** Called by pgJDBC with the connection's properties. Never throws: a failure is reported by the socket calls. */
  public ClientCertificateSslFactory(Properties info) {
    SSLSocketFactory built = null;
    KeyFileException failed = null;
    try {
      built = build(info);
    } catch (KeyFileException e) {
      failed = e;
    }
    this.delegate = built;
    this.failure = Optional.ofNullable(failed);
  }

  /** The factory that pgJDBC should name: {@code sslfactory=} this class. */
  public static String className() {
    return ClientCertificateSslFactory.class.getName();
  }

  private static SSLSocketFactory build(Properties info) throws KeyFileException {
    Path home = Path.of(System.getProperty("user.home", "/"));
    Path keyFile = path(info, "sslkey").orElse(home.resolve(DEFAULT_DIR).resolve("postgresql.key"));
    Path certFile = path(info, "sslcert").orElse(home.resolve(DEFAULT_DIR).resolve("postgresql.crt"));
    Optional<char[]> password = Optional.ofNullable(info.getProperty("sslpassword")).map(String::toCharArray);
    String mode = info.getProperty("sslmode", "prefer").toLowerCase(Locale.ROOT);
    String rootCert = info.getProperty("sslrootcert", home.resolve(DEFAULT_DIR).resolve("root.crt").toString());

    List<KeyManager> keyManagers = new ArrayList<>();
    // Like libpq: no certificate file, no client certificate (the server may not ask for one).
    if (Files.exists(certFile)) {
      List<X509Certificate> chain = certificates(certFile);
      if (chain.isEmpty()) {
        throw new KeyFileException(Problem.MALFORMED, certFile + ": no certificate in the file");
      }
      PrivateKey key = PrivateKeyFiles.read(readFile(keyFile), password, keyFile.toString());
      keyManagers.add(new ClientKeyManager(key, chain));
    }

    boolean verify = mode.equals("verify-ca") || mode.equals("verify-full")
        || mode.equals("require") && !rootCert.equals("system") && Files.exists(Path.of(rootCert));
    TrustManager[] trust = verify ? verifying(rootCert, path(info, "sslcrl")) : new TrustManager[] {new TrustingAny()};
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers.toArray(new KeyManager[0]), trust, null);
      return context.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new KeyFileException(Problem.UNSUPPORTED, "cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static TrustManager[] verifying(String rootCert, Optional<Path> crlFile) throws KeyFileException {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      if (rootCert.equals("system")) {
        tmf.init((KeyStore) null);
        return tmf.getTrustManagers();
      }
      Path file = Path.of(rootCert);
      List<X509Certificate> roots = certificates(file);
      if (roots.isEmpty()) {
        throw new KeyFileException(Problem.MALFORMED, file + ": no certificate in sslrootcert");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        store.setCertificateEntry("root-" + i, roots.get(i));
      }
      if (crlFile.isEmpty()) {
        tmf.init(store);
      } else {
        PKIXBuilderParameters params = new PKIXBuilderParameters(store, new X509CertSelector());
        params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls(crlFile.get()))));
        params.setRevocationEnabled(true);
        tmf.init(new CertPathTrustManagerParameters(params));
      }
      return tmf.getTrustManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new KeyFileException(Problem.MALFORMED, "cannot use sslrootcert " + rootCert + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path file) throws KeyFileException {
    try {
      Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(readFile(file)));
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : all) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new KeyFileException(Problem.MALFORMED, file + ": not an X.509 certificate file: " + e.getMessage(), e);
    }
  }

  private static Collection<? extends CRL> crls(Path file) throws KeyFileException {
    try {
      return CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(readFile(file)));
    } catch (GeneralSecurityException e) {
      throw new KeyFileException(Problem.MALFORMED, file + ": not a certificate revocation list: " + e.getMessage(), e);
    }
  }

  private static byte[] readFile(Path file) throws KeyFileException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new KeyFileException(Problem.UNREADABLE, file + " does not exist", e);
    } catch (IOException e) {
      throw new KeyFileException(Problem.UNREADABLE, "cannot read " + file + ": " + e, e);
    }
  }

  private static Optional<Path> path(Properties info, String name) {
    String v = info.getProperty(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v));
  }

  private SSLSocketFactory delegate() throws IOException {
    if (failure.isPresent()) {
      throw new SocketException("client certificate: " + failure.get().getMessage());
    }
    return delegate;
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
    return delegate().createSocket(s, host, port, autoClose);
  }

  @Override
  public Socket createSocket() throws IOException {
    return delegate().createSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return delegate().createSocket(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return delegate().createSocket(host, port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return delegate().createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
    return delegate().createSocket(address, port, localAddress, localPort);
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return delegate == null ? new String[0] : delegate.getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate == null ? new String[0] : delegate.getSupportedCipherSuites();
  }

  /** sslmode require, prefer or allow without a root certificate: encrypted, the server unchecked (as libpq). */
  private static final class TrustingAny implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // a client never checks clients
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // the sslmode asked for encryption only
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
