package dev.primus.db.postgres.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One client certificate chain and its key, offered whenever the server asks for a certificate of the key's
 * type. Like libpq, and unlike pgJDBC's key manager, it does not hold the certificate back when the server's
 * list of acceptable issuers does not name its issuer: the server decides.
 */
final class ClientKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "client";

  private final PrivateKey key;
  private final X509Certificate[] chain;

  ClientKeyManager(PrivateKey key, List<X509Certificate> chain) {
    this.key = Objects.requireNonNull(key, "key");
    this.chain = chain.toArray(new X509Certificate[0]);
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return matches(keyTypes) ? ALIAS : null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return matches(keyTypes) ? ALIAS : null;
  }

  private boolean matches(String[] keyTypes) {
    return keyTypes == null || Arrays.asList(keyTypes).contains(key.getAlgorithm());
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return key.getAlgorithm().equals(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
