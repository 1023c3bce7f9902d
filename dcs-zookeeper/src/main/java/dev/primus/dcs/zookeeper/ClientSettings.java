package dev.primus.dcs.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.zookeeper.ClientCnxnSocketNIO;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.common.KeyStoreFileType;

/**
 * Builds the ZooKeeper handles of one store: the Curator-managed main session and one per lease, all
 * with the same hosts and client properties.
 *
 * <p>Each handle gets its own {@link ZKClientConfig}, because ZooKeeper keeps and may mutate the one it
 * is given.
 */
final class ClientSettings implements AutoCloseable {
  private final String connectString;
  private final Map<String, String> properties;
  private final Path combinedPem;

  private ClientSettings(String connectString, Map<String, String> properties, Path combinedPem) {
    this.connectString = connectString;
    this.properties = Map.copyOf(properties);
    this.combinedPem = combinedPem;
  }

  static ClientSettings of(ZooKeeperConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    // Patroni's section has no SASL settings; without this the client probes for a JAAS file on every
    // connect and logs about it.
    p.put(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
    // Bounds the synchronous calls the client still makes (closeSession on revoke, Curator internals);
    // the store's own requests are asynchronous and carry their own deadline.
    p.put(ZKClientConfig.ZOOKEEPER_REQUEST_TIMEOUT, Long.toString(config.retryTimeout().toMillis()));
    Path combined = null;
    // Every TLS property is set explicitly, also to "off" or empty: ZooKeeper's client otherwise falls
    // back to JVM-wide system properties, which an in-process ZooKeeper server sets from its own
    // configuration (its key store would become this client's certificate).
    try (ClientX509Util x509 = new ClientX509Util()) {
      if (config.tls().isEmpty()) {
        p.put(ZKClientConfig.SECURE_CLIENT, "false");
        p.put(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNIO.class.getName());
      } else {
        ZooKeeperConfig.Tls tls = config.tls().get();
        // ZooKeeper's TLS lives in its Netty transport only.
        p.put(ZKClientConfig.SECURE_CLIENT, "true");
        p.put(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        p.put(x509.getSslHostnameVerificationEnabledProperty(), Boolean.toString(tls.verify()));
        // Without cacert: an empty location means the JDK's default trust store.
        p.put(x509.getSslTruststoreLocationProperty(), tls.caCert().map(Path::toString).orElse(""));
        p.put(x509.getSslTruststoreTypeProperty(), KeyStoreFileType.PEM.getPropertyValue());
        p.put(x509.getSslTruststorePasswdProperty(), "");
        if (tls.cert().isPresent()) {
          combined = combinedKeyStore(tls.cert().get(), tls.key().orElseThrow());
        }
        p.put(x509.getSslKeystoreLocationProperty(), combined == null ? "" : combined.toString());
        p.put(x509.getSslKeystoreTypeProperty(), KeyStoreFileType.PEM.getPropertyValue());
        p.put(x509.getSslKeystorePasswdProperty(), tls.keyPassword().orElse(""));
      }
    }
    return new ClientSettings(config.connectString(), p, combined);
  }

  String connectString() {
    return connectString;
  }

  /** A fresh client configuration with this store's properties. */
  ZKClientConfig clientConfig() {
    ZKClientConfig c = new ZKClientConfig();
    properties.forEach(c::setProperty);
    return c;
  }

  /** A new handle; it starts connecting at once. */
  ZxidZooKeeper newHandle(int sessionTimeoutMs, Watcher watcher) throws IOException {
    return new ZxidZooKeeper(connectString, sessionTimeoutMs, watcher, false, clientConfig());
  }

  Map<String, String> properties() {
    return properties;
  }

  /** Deletes the combined key store, if one was written. */
  @Override
  public void close() {
    if (combinedPem != null) {
      try {
        Files.deleteIfExists(combinedPem);
      } catch (IOException e) {
        // Nothing to do about it; the file is owner-only and in the temporary directory.
      }
    }
  }

  /**
   * ZooKeeper's PEM key store reads the certificate chain and the private key from one file, while
   * Patroni takes them as two. Write both into one owner-only temporary file; it lives as long as the
   * store, because every new lease session reads it again.
   */
  private static Path combinedKeyStore(Path cert, Path key) {
    try {
      Path file;
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        file = Files.createTempFile("primus-zk-client-", ".pem",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        file = Files.createTempFile("primus-zk-client-", ".pem");
      }
      file.toFile().deleteOnExit();
      String certText = Files.readString(cert, StandardCharsets.US_ASCII);
      String keyText = Files.readString(key, StandardCharsets.US_ASCII);
      Files.writeString(file, keyText + (keyText.endsWith("\n") ? "" : "\n") + certText,
          StandardCharsets.US_ASCII);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot combine " + cert + " and " + key + " into a key store", e);
    }
  }
}
