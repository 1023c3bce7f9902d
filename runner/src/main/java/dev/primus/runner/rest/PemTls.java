package dev.primus.runner.rest;

import dev.primus.runner.config.Secret;
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
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * TLS material from PEM files, as Patroni takes them: a certificate chain, a private key (PKCS#8,
 * encrypted PKCS#8, PKCS#1 RSA or SEC1 EC; possibly in the certificate file) and an optional CA bundle.
 * The JDK reads PEM certificates itself but not PEM keys, so the key formats are unwrapped here.
 */
public final class PemTls {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final byte[] RSA_OID = {0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01,
      0x01, 0x01};
  private static final byte[] EC_OID = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};

  private PemTls() {}

  /**
   * A server context presenting {@code certfile}'s chain with the key from {@code keyfile} (or from
   * {@code certfile} when it holds both), trusting {@code cafile} for client certificates (the JDK's
   * default trust store without one).
   */
  public static SSLContext serverContext(Path certfile, Optional<Path> keyfile, Optional<Secret> keyPassword,
      Optional<Path> cafile) throws IOException, GeneralSecurityException {
    KeyManager[] keys = keyManagers(certfile, keyfile, keyPassword);
    TrustManager[] trust = cafile.isPresent() ? new TrustManager[] {trustManager(cafile)} : null;
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, trust, null);
    return ctx;
  }

  /**
   * Key managers presenting {@code certfile}'s chain with the key from {@code keyfile} (or from
   * {@code certfile} when it holds both): a server's certificate, or a client's.
   */
  public static KeyManager[] keyManagers(Path certfile, Optional<Path> keyfile, Optional<Secret> keyPassword)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = certificates(Files.readString(certfile, StandardCharsets.US_ASCII));
    if (chain.isEmpty()) {
      throw new GeneralSecurityException(certfile + ": no PEM certificate found");
    }
    PrivateKey key = privateKey(Files.readString(keyfile.orElse(certfile), StandardCharsets.US_ASCII), keyPassword);
    char[] storePassword = "primus".toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("own", key, storePassword, chain.toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, storePassword);
    return kmf.getKeyManagers();
  }

  /**
   * The JDK's PKIX trust manager over the certificates of {@code cafile}, or over the JDK's default trust
   * store without one: it checks chains, and, where the connection asks for it, host names.
   */
  public static X509ExtendedTrustManager trustManager(Optional<Path> cafile) throws IOException, GeneralSecurityException {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(cafile.isPresent() ? trustStore(cafile.get()) : null);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("the JDK offers no X.509 trust manager");
  }

  /** A key store holding every certificate of a PEM bundle as a trusted entry. */
  public static KeyStore trustStore(Path pemBundle) throws IOException, GeneralSecurityException {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    for (X509Certificate c : certificates(Files.readString(pemBundle, StandardCharsets.US_ASCII))) {
      ts.setCertificateEntry("ca-" + i++, c);
    }
    return ts;
  }

  static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      if (m.group(1).equals("CERTIFICATE")) {
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(m.group(0).getBytes(StandardCharsets.US_ASCII))));
      }
    }
    return out;
  }

  /** The first private key in {@code pem}, decrypted with {@code password} if it is encrypted. */
  static PrivateKey privateKey(String pem, Optional<Secret> password) throws GeneralSecurityException {
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      String type = m.group(1);
      String body = m.group(2);
      if (!type.endsWith("PRIVATE KEY")) {
        continue;
      }
      if (body.contains("Proc-Type:")) {
        throw new GeneralSecurityException("legacy OpenSSL-encrypted keys are not supported; convert the key with"
            + " 'openssl pkcs8 -topk8' (optionally with -v2 aes256 to keep it encrypted)");
      }
      byte[] der = Base64.getMimeDecoder().decode(body);
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "ENCRYPTED PRIVATE KEY":
          return encryptedPkcs8(der, password.orElseThrow(() ->
              new GeneralSecurityException("the private key is encrypted; set keyfile_password")));
        case "RSA PRIVATE KEY":
          return pkcs8(wrapPkcs8(RSA_OID, new byte[] {0x05, 0x00}, der));
        case "EC PRIVATE KEY":
          return pkcs8(wrapPkcs8(EC_OID, sec1Curve(der), der));
        default:
          throw new GeneralSecurityException("unsupported key type '" + type + "'");
      }
    }
    throw new GeneralSecurityException("no PEM private key found");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA")) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // not this algorithm; try the next
      }
    }
    throw new GeneralSecurityException("the PKCS#8 key is of no algorithm this JDK supports");
  }

  private static PrivateKey encryptedPkcs8(byte[] der, Secret password) throws GeneralSecurityException {
    EncryptedPrivateKeyInfo info;
    try {
      info = new EncryptedPrivateKeyInfo(der);
    } catch (IOException e) {
      throw new GeneralSecurityException("not an encrypted PKCS#8 key", e);
    }
    // for PBES2 the algorithm name is in the parameters (e.g. PBEWithHmacSHA256AndAES_256)
    String alg = info.getAlgParameters() != null ? info.getAlgParameters().toString() : info.getAlgName();
    char[] pw = password.reveal().toCharArray();
    try {
      Cipher cipher = Cipher.getInstance(alg);
      cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(pw)),
          info.getAlgParameters());
      return pkcs8(info.getKeySpec(cipher).getEncoded());
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException("cannot decrypt the private key (wrong keyfile_password?): " + e.getMessage(), e);
    } finally {
      Arrays.fill(pw, '\0');
    }
  }

  /** PKCS#8 PrivateKeyInfo around a PKCS#1 or SEC1 key: version 0, the algorithm, the key as an octet string. */
  private static byte[] wrapPkcs8(byte[] algOid, byte[] algParams, byte[] key) {
    byte[] algId = der(0x30, concat(algOid, algParams));
    return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algId, der(0x04, key)));
  }

  /** The named-curve OID in a SEC1 ECPrivateKey's optional [0] parameters. */
  private static byte[] sec1Curve(byte[] der) throws GeneralSecurityException {
    int[] pos = {0};
    expect(der, pos, 0x30);
    readLength(der, pos);
    while (pos[0] < der.length) {
      int tag = der[pos[0]++] & 0xFF;
      int len = readLength(der, pos);
      if (tag == 0xA0) {
        return Arrays.copyOfRange(der, pos[0], pos[0] + len);
      }
      pos[0] += len;
    }
    throw new GeneralSecurityException("the EC key does not name its curve; convert it with 'openssl pkcs8 -topk8'");
  }

  private static void expect(byte[] der, int[] pos, int tag) throws GeneralSecurityException {
    if ((der[pos[0]++] & 0xFF) != tag) {
      throw new GeneralSecurityException("malformed DER key");
    }
  }

  private static int readLength(byte[] der, int[] pos) throws GeneralSecurityException {
    int first = der[pos[0]++] & 0xFF;
    if (first < 0x80) {
      return first;
    }
    int n = first & 0x7F;
    if (n > 3) {
      throw new GeneralSecurityException("malformed DER key");
    }
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = len << 8 | der[pos[0]++] & 0xFF;
    }
    return len;
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xFF);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8 & 0xFF);
      out.write(len & 0xFF);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
