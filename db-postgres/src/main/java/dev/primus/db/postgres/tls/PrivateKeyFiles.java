package dev.primus.db.postgres.tls;

import dev.primus.db.postgres.tls.Der.Element;
import dev.primus.db.postgres.tls.Der.MalformedException;
import dev.primus.db.postgres.tls.KeyFileException.Problem;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads a client's private key the way libpq (OpenSSL) does, so the file named by {@code sslkey} works for
 * Primus's JDBC connections as it does for psql: PEM with PKCS#1 ({@code BEGIN RSA PRIVATE KEY}), SEC1
 * ({@code BEGIN EC PRIVATE KEY}), PKCS#8 ({@code BEGIN PRIVATE KEY}) or encrypted PKCS#8
 * ({@code BEGIN ENCRYPTED PRIVATE KEY}), the traditional OpenSSL encryption of the first two
 * ({@code Proc-Type: 4,ENCRYPTED}), and the same structures DER-encoded (what pgJDBC itself reads).
 * Everything stays in memory; nothing decrypted is written anywhere.
 */
final class PrivateKeyFiles {
  private static final Pattern PEM_BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final Pattern DEK_INFO = Pattern.compile("(?m)^DEK-Info:\\s*([A-Za-z0-9-]+)\\s*,\\s*([0-9A-Fa-f]+)\\s*$");

  static final String OID_RSA = "1.2.840.113549.1.1.1";
  static final String OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
  static final String OID_EC = "1.2.840.10045.2.1";
  static final String OID_ED25519 = "1.3.101.112";
  static final String OID_ED448 = "1.3.101.113";
  static final String OID_DSA = "1.2.840.10040.4.1";
  private static final String OID_PBES2 = "1.2.840.113549.1.5.13";

  /** PKCS#8 algorithm identifiers and the JDK key factory for each. */
  private static final Map<String, String> KEY_FACTORIES = Map.of(
      OID_RSA, "RSA", OID_RSASSA_PSS, "RSASSA-PSS", OID_EC, "EC", OID_ED25519, "Ed25519", OID_ED448, "Ed448",
      OID_DSA, "DSA");

  /** OpenSSL's traditional PEM ciphers: JDK transformation and key length in octets. */
  private record LegacyCipher(String transformation, String keyAlgorithm, int keyLength) {}

  private static final Map<String, LegacyCipher> LEGACY_CIPHERS = Map.of(
      "AES-128-CBC", new LegacyCipher("AES/CBC/PKCS5Padding", "AES", 16),
      "AES-192-CBC", new LegacyCipher("AES/CBC/PKCS5Padding", "AES", 24),
      "AES-256-CBC", new LegacyCipher("AES/CBC/PKCS5Padding", "AES", 32),
      "DES-EDE3-CBC", new LegacyCipher("DESede/CBC/PKCS5Padding", "DESede", 24),
      "DES-CBC", new LegacyCipher("DES/CBC/PKCS5Padding", "DES", 8));

  private PrivateKeyFiles() {}

  /**
   * The private key in {@code file}, decrypted with {@code password} when it is encrypted.
   *
   * @param file     the file's bytes
   * @param password {@code sslpassword}, when configured
   * @param source   the file's name, for messages
   */
  static PrivateKey read(byte[] file, Optional<char[]> password, String source) throws KeyFileException {
    String text = new String(file, StandardCharsets.ISO_8859_1);
    if (!text.contains("-----BEGIN ")) {
      return fromDer(file, password, source);
    }
    Matcher m = PEM_BLOCK.matcher(text);
    while (m.find()) {
      String label = m.group(1);
      if (label.endsWith("PARAMETERS")) {
        // openssl ecparam -genkey writes the curve's parameters before the key; the key names its curve too.
        continue;
      }
      String body = m.group(2);
      switch (label) {
        case "PRIVATE KEY":
          return pkcs8(pemBytes(body, source), source);
        case "ENCRYPTED PRIVATE KEY":
          return encryptedPkcs8(pemBytes(body, source), password, source);
        case "RSA PRIVATE KEY":
          return pkcs1(traditional(body, password, source), source);
        case "EC PRIVATE KEY":
          return sec1(traditional(body, password, source), source);
        default:
          throw new KeyFileException(Problem.UNSUPPORTED, source + ": a PEM block '" + label + "' is no private key"
              + " Primus reads (RSA PRIVATE KEY, EC PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY)");
      }
    }
    throw new KeyFileException(Problem.MALFORMED, source + ": no complete PEM private key block (BEGIN ... END)");
  }

  // ---- the formats ------------------------------------------------------------------------------

  /** DER without a label: tell the structures apart by their shape. */
  private static PrivateKey fromDer(byte[] der, Optional<char[]> password, String source) throws KeyFileException {
    List<Element> fields;
    try {
      fields = Der.parse(der).children();
    } catch (MalformedException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": neither PEM nor DER (" + e.getMessage() + ")", e);
    }
    if (fields.size() == 2 && fields.get(0).tag() == Der.SEQUENCE && fields.get(1).tag() == Der.OCTET_STRING) {
      return encryptedPkcs8(der, password, source);
    }
    if (fields.size() >= 3 && fields.get(0).tag() == Der.INTEGER && fields.get(1).tag() == Der.SEQUENCE) {
      return pkcs8(der, source);
    }
    if (fields.size() >= 9 && fields.get(0).tag() == Der.INTEGER && fields.get(1).tag() == Der.INTEGER) {
      return pkcs1(der, source);
    }
    if (fields.size() >= 2 && fields.get(0).tag() == Der.INTEGER && fields.get(1).tag() == Der.OCTET_STRING) {
      return sec1(der, source);
    }
    throw new KeyFileException(Problem.MALFORMED, source + ": a DER structure that is no private key Primus knows");
  }

  /** PKCS#8 PrivateKeyInfo: the JDK reads it once the algorithm is known. */
  private static PrivateKey pkcs8(byte[] der, String source) throws KeyFileException {
    String oid;
    try {
      oid = Der.parse(der).children().get(1).children().get(0).oid();
    } catch (MalformedException | IndexOutOfBoundsException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": a damaged PKCS#8 key (" + e.getMessage() + ")", e);
    }
    String algorithm = KEY_FACTORIES.get(oid);
    if (algorithm == null) {
      throw new KeyFileException(Problem.UNSUPPORTED, source + ": a PKCS#8 key of algorithm " + oid
          + ", which cannot sign a TLS handshake here (RSA, EC, Ed25519, Ed448 and DSA keys can)");
    }
    return generate(algorithm, new PKCS8EncodedKeySpec(der), source);
  }

  /**
   * PKCS#1 RSAPrivateKey (RFC 8017 A.1.2): version, n, e, d, p, q, d mod (p-1), d mod (q-1), q^-1 mod p.
   * Version 1 (more than two primes) is left to a PKCS#8 conversion.
   */
  private static PrivateKey pkcs1(byte[] der, String source) throws KeyFileException {
    try {
      List<Element> f = Der.parse(der).children();
      if (f.size() < 9) {
        throw new MalformedException(f.size() + " fields where an RSA key has 9");
      }
      BigInteger version = f.get(0).integer();
      if (version.signum() != 0) {
        throw new KeyFileException(Problem.UNSUPPORTED, source + ": a multi-prime RSA key (PKCS#1 version " + version
            + "); convert it with: openssl pkcs8 -topk8 -nocrypt");
      }
      return generate("RSA", new RSAPrivateCrtKeySpec(f.get(1).integer(), f.get(2).integer(), f.get(3).integer(),
          f.get(4).integer(), f.get(5).integer(), f.get(6).integer(), f.get(7).integer(), f.get(8).integer()), source);
    } catch (MalformedException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": a damaged PKCS#1 RSA key (" + e.getMessage() + ")", e);
    }
  }

  /** SEC1 ECPrivateKey (RFC 5915): version 1, the private value, [0] the named curve, [1] the public key. */
  private static PrivateKey sec1(byte[] der, String source) throws KeyFileException {
    try {
      List<Element> f = Der.parse(der).children();
      if (f.get(0).integer().intValueExact() != 1) {
        throw new MalformedException("version " + f.get(0).integer() + " where SEC1 has 1");
      }
      BigInteger s = new BigInteger(1, f.get(1).octets());
      Optional<String> curve = Optional.empty();
      for (Element e : f.subList(2, f.size())) {
        if (e.tag() == Der.CONTEXT_0) {
          curve = Optional.of(e.children().get(0).oid());
        }
      }
      if (curve.isEmpty()) {
        throw new KeyFileException(Problem.UNSUPPORTED, source + ": an EC key that does not name its curve");
      }
      ECParameterSpec params;
      try {
        AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
        ap.init(new ECGenParameterSpec(curve.get()));
        params = ap.getParameterSpec(ECParameterSpec.class);
      } catch (GeneralSecurityException e) {
        throw new KeyFileException(Problem.UNSUPPORTED, source + ": an EC key on curve " + curve.get()
            + ", which the JDK does not know", e);
      }
      return generate("EC", new ECPrivateKeySpec(s, params), source);
    } catch (MalformedException | IndexOutOfBoundsException | ArithmeticException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": a damaged SEC1 EC key (" + e.getMessage() + ")", e);
    }
  }

  /** PKCS#8 EncryptedPrivateKeyInfo (PBES2, or the PKCS#5/#12 PBE schemes), decrypted with {@code sslpassword}. */
  private static PrivateKey encryptedPkcs8(byte[] der, Optional<char[]> password, String source) throws KeyFileException {
    char[] pw = password.orElseThrow(() -> new KeyFileException(Problem.PASSWORD_REQUIRED, source
        + ": the key is encrypted; set sslpassword next to sslkey"));
    PKCS8EncodedKeySpec plain;
    try {
      EncryptedPrivateKeyInfo info = new EncryptedPrivateKeyInfo(der);
      // For PBES2 the scheme is in the parameters (e.g. PBEWithHmacSHA256AndAES_256), not in the name.
      String scheme = info.getAlgName().equals("PBES2") || info.getAlgName().equals(OID_PBES2)
          ? info.getAlgParameters().toString() : info.getAlgName();
      SecretKey key = SecretKeyFactory.getInstance(scheme).generateSecret(new PBEKeySpec(pw));
      Cipher cipher = Cipher.getInstance(scheme);
      cipher.init(Cipher.DECRYPT_MODE, key, info.getAlgParameters());
      plain = info.getKeySpec(cipher);
    } catch (InvalidKeySpecException e) {
      // A wrong password yields garbage that is no PKCS#8 structure (or bad padding, below).
      throw new KeyFileException(Problem.WRONG_PASSWORD, source + ": sslpassword does not decrypt the key", e);
    } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
      if (hasCause(e, BadPaddingException.class)) {
        throw new KeyFileException(Problem.WRONG_PASSWORD, source + ": sslpassword does not decrypt the key", e);
      }
      throw new KeyFileException(Problem.UNSUPPORTED, source + ": an encrypted key whose scheme the JDK cannot"
          + " decrypt (" + e.getMessage() + "); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc", e);
    }
    return pkcs8(plain.getEncoded(), source);
  }

  /**
   * The DER inside a traditional OpenSSL PEM block, decrypted when its headers say {@code Proc-Type: 4,ENCRYPTED}:
   * the key is OpenSSL's EVP_BytesToKey with MD5, one round, the first 8 octets of the IV as salt.
   */
  private static byte[] traditional(String body, Optional<char[]> password, String source) throws KeyFileException {
    int headersEnd = body.indexOf("\n\n");
    if (headersEnd < 0) {
      headersEnd = body.indexOf("\r\n\r\n");
    }
    boolean hasHeaders = body.startsWith("Proc-Type:") && headersEnd > 0;
    if (!hasHeaders) {
      return pemBytes(body, source);
    }
    String headers = body.substring(0, headersEnd);
    byte[] encrypted = pemBytes(body.substring(headersEnd), source);
    if (!headers.contains("ENCRYPTED")) {
      return encrypted;
    }
    Matcher dek = DEK_INFO.matcher(headers);
    if (!dek.find()) {
      throw new KeyFileException(Problem.MALFORMED, source + ": an encrypted PEM key without DEK-Info");
    }
    LegacyCipher cipher = LEGACY_CIPHERS.get(dek.group(1).toUpperCase(Locale.ROOT));
    if (cipher == null) {
      throw new KeyFileException(Problem.UNSUPPORTED, source + ": PEM encryption " + dek.group(1)
          + " (Primus reads " + String.join(", ", new java.util.TreeSet<>(LEGACY_CIPHERS.keySet())) + ")");
    }
    char[] pw = password.orElseThrow(() -> new KeyFileException(Problem.PASSWORD_REQUIRED, source
        + ": the key is encrypted; set sslpassword next to sslkey"));
    byte[] iv;
    try {
      iv = HexFormat.of().parseHex(dek.group(2));
    } catch (IllegalArgumentException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": DEK-Info has no hexadecimal IV", e);
    }
    if (iv.length < 8) {
      throw new KeyFileException(Problem.MALFORMED, source + ": DEK-Info's IV is shorter than 8 octets");
    }
    byte[] key = bytesToKey(new String(pw).getBytes(StandardCharsets.UTF_8), Arrays.copyOf(iv, 8), cipher.keyLength());
    try {
      Cipher c = Cipher.getInstance(cipher.transformation());
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, cipher.keyAlgorithm()), new IvParameterSpec(iv));
      byte[] der = c.doFinal(encrypted);
      Der.parse(der).children();
      return der;
    } catch (BadPaddingException | MalformedException e) {
      throw new KeyFileException(Problem.WRONG_PASSWORD, source + ": sslpassword does not decrypt the key", e);
    } catch (GeneralSecurityException e) {
      throw new KeyFileException(Problem.UNSUPPORTED, source + ": cannot decrypt " + dek.group(1) + ": " + e.getMessage(), e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** OpenSSL's EVP_BytesToKey(MD5, count 1): D_i = MD5(D_{i-1} || password || salt), concatenated. */
  private static byte[] bytesToKey(byte[] password, byte[] salt, int length) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      byte[] out = new byte[length];
      byte[] previous = new byte[0];
      int filled = 0;
      while (filled < length) {
        md5.update(previous);
        md5.update(password);
        md5.update(salt);
        previous = md5.digest();
        int n = Math.min(previous.length, length - filled);
        System.arraycopy(previous, 0, out, filled, n);
        filled += n;
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    } finally {
      Arrays.fill(password, (byte) 0);
    }
  }

  private static byte[] pemBytes(String base64, String source) throws KeyFileException {
    try {
      return Base64.getMimeDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": the PEM block is not base64", e);
    }
  }

  private static PrivateKey generate(String algorithm, KeySpec spec, String source) throws KeyFileException {
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(spec);
    } catch (GeneralSecurityException e) {
      throw new KeyFileException(Problem.MALFORMED, source + ": the JDK rejects this " + algorithm + " key: "
          + e.getMessage(), e);
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
