package dev.primus.db.postgres.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.db.postgres.tls.KeyFileException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every key format libpq reads, made here from keys the JDK generates (and converted by the {@code openssl}
 * command, as an operator would), read back by {@link PrivateKeyFiles}: a key is right when what it signs
 * verifies with the generated public key.
 */
class PrivateKeyFilesTest {
  private static final Optional<char[]> NO_PASSWORD = Optional.empty();
  private static final Optional<char[]> PASSWORD = Optional.of("s3cret pass".toCharArray());

  @TempDir
  Path dir;

  @BeforeAll
  static void requireOpenssl() throws Exception {
    if (run(List.of("openssl", "version"), null) != 0) {
      fail("the openssl command is needed to make the key files (apt-get install -y openssl)");
    }
  }

  @Test
  void pkcs8PemFromTheJdk() throws Exception {
    KeyPair rsa = rsa();
    Path file = pem("PRIVATE KEY", rsa.getPrivate().getEncoded());
    assertSignsFor(rsa.getPublic(), read(file, NO_PASSWORD));
  }

  @Test
  void pkcs8Der() throws Exception {
    KeyPair rsa = rsa();
    Path file = dir.resolve("key.pk8");
    Files.write(file, rsa.getPrivate().getEncoded());
    assertSignsFor(rsa.getPublic(), read(file, NO_PASSWORD));
  }

  @Test
  void pkcs1PemAsOpensslTraditionalWritesIt() throws Exception {
    KeyPair rsa = rsa();
    Path pkcs1 = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "rsa1.key", "rsa", "-traditional");
    assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"), "the premise: PKCS#1");
    assertSignsFor(rsa.getPublic(), read(pkcs1, NO_PASSWORD));
  }

  @Test
  void pkcs1Der() throws Exception {
    KeyPair rsa = rsa();
    Path der = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "rsa1.der", "rsa", "-traditional",
        "-outform", "DER");
    assertSignsFor(rsa.getPublic(), read(der, NO_PASSWORD));
  }

  @Test
  void encryptedPkcs8PemWithSslpassword() throws Exception {
    KeyPair rsa = rsa();
    Path enc = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "enc.key", "pkcs8", "-topk8",
        "-v2", "aes-256-cbc", "-passout", "pass:s3cret pass");
    assertTrue(Files.readString(enc).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assertSignsFor(rsa.getPublic(), read(enc, PASSWORD));

    assertEquals(Problem.PASSWORD_REQUIRED, problem(enc, NO_PASSWORD));
    assertEquals(Problem.WRONG_PASSWORD, problem(enc, Optional.of("wrong".toCharArray())));
  }

  @Test
  void encryptedPkcs8Der() throws Exception {
    KeyPair rsa = rsa();
    Path enc = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "enc.der", "pkcs8", "-topk8",
        "-v2", "aes-128-cbc", "-outform", "DER", "-passout", "pass:s3cret pass");
    assertSignsFor(rsa.getPublic(), read(enc, PASSWORD));
  }

  @Test
  void traditionallyEncryptedPkcs1Pem() throws Exception {
    KeyPair rsa = rsa();
    Path enc = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "rsa1enc.key", "rsa", "-traditional",
        "-aes256", "-passout", "pass:s3cret pass");
    String text = Files.readString(enc);
    assertTrue(text.contains("Proc-Type: 4,ENCRYPTED") && text.contains("DEK-Info: AES-256-CBC"), text);
    assertSignsFor(rsa.getPublic(), read(enc, PASSWORD));
    assertEquals(Problem.WRONG_PASSWORD, problem(enc, Optional.of("nope".toCharArray())));
    assertEquals(Problem.PASSWORD_REQUIRED, problem(enc, NO_PASSWORD));
  }

  @Test
  void traditionallyEncryptedWithTripleDes() throws Exception {
    KeyPair rsa = rsa();
    Path enc = openssl(pem("PRIVATE KEY", rsa.getPrivate().getEncoded()), "rsa3des.key", "rsa", "-traditional",
        "-des3", "-passout", "pass:s3cret pass");
    assertSignsFor(rsa.getPublic(), read(enc, PASSWORD));
  }

  @Test
  void ecSec1Pem() throws Exception {
    KeyPair ec = ec("secp256r1");
    Path sec1 = openssl(pem("PRIVATE KEY", ec.getPrivate().getEncoded()), "ec.key", "ec");
    assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"), "the premise: SEC1");
    assertSignsFor(ec.getPublic(), read(sec1, NO_PASSWORD));
  }

  @Test
  void ecSec1AfterItsParametersBlockAsEcparamWritesIt() throws Exception {
    Path file = dir.resolve("ecparam.key");
    assertEquals(0, run(List.of("openssl", "ecparam", "-name", "secp384r1", "-genkey", "-out", file.toString()), null));
    assertTrue(Files.readString(file).startsWith("-----BEGIN EC PARAMETERS-----"), "the premise");
    PrivateKey key = read(file, NO_PASSWORD);
    assertEquals("EC", key.getAlgorithm());
    Path pub = dir.resolve("ecparam.pub.der");
    assertEquals(0, run(List.of("openssl", "ec", "-in", file.toString(), "-pubout", "-outform", "DER", "-out",
        pub.toString()), null));
    PublicKey publicKey = java.security.KeyFactory.getInstance("EC")
        .generatePublic(new java.security.spec.X509EncodedKeySpec(Files.readAllBytes(pub)));
    assertSignsFor(publicKey, key);
  }

  @Test
  void encryptedEcSec1Pem() throws Exception {
    KeyPair ec = ec("secp256r1");
    Path enc = openssl(pem("PRIVATE KEY", ec.getPrivate().getEncoded()), "ecenc.key", "ec", "-aes128",
        "-passout", "pass:s3cret pass");
    assertSignsFor(ec.getPublic(), read(enc, PASSWORD));
  }

  @Test
  void ed25519Pkcs8() throws Exception {
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path file = pem("PRIVATE KEY", ed.getPrivate().getEncoded());
    assertSignsFor(ed.getPublic(), read(file, NO_PASSWORD));
  }

  @Test
  void whatIsNoKeyIsRefusedWithItsReason() throws Exception {
    Path garbage = dir.resolve("garbage.key");
    Files.writeString(garbage, "not a key at all");
    assertEquals(Problem.MALFORMED, problem(garbage, NO_PASSWORD));

    Path cert = pem("CERTIFICATE", new byte[] {0x30, 0x00});
    assertEquals(Problem.UNSUPPORTED, problem(cert, NO_PASSWORD));

    Path truncated = dir.resolve("truncated.pk8");
    byte[] der = rsa().getPrivate().getEncoded();
    Files.write(truncated, java.util.Arrays.copyOf(der, der.length / 2));
    assertEquals(Problem.MALFORMED, problem(truncated, NO_PASSWORD));
  }

  @Test
  void scryptEncryptionIsReportedAsUnsupportedNotAsAWrongPassword() throws Exception {
    Path enc = openssl(pem("PRIVATE KEY", rsa().getPrivate().getEncoded()), "scrypt.key", "pkcs8", "-topk8",
        "-scrypt", "-passout", "pass:s3cret pass");
    assertEquals(Problem.UNSUPPORTED, problem(enc, PASSWORD));
  }

  // ---------------------------------------------------------------------------------------------

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static KeyPair ec(String curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec(curve));
    return g.generateKeyPair();
  }

  private static PrivateKey read(Path file, Optional<char[]> password) throws Exception {
    return PrivateKeyFiles.read(Files.readAllBytes(file), password, file.toString());
  }

  private static Problem problem(Path file, Optional<char[]> password) {
    return assertThrows(KeyFileException.class, () -> read(file, password)).problem();
  }

  private static void assertSignsFor(PublicKey publicKey, PrivateKey parsed) throws Exception {
    String algorithm = switch (publicKey.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      default -> publicKey.getAlgorithm();
    };
    byte[] data = "the server's handshake transcript".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(parsed);
    signer.update(data);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(publicKey);
    verifier.update(data);
    assertTrue(verifier.verify(signature), "the parsed key is the generated one");
    assertArrayEquals(data, data);
  }

  private Path pem(String label, byte[] der) throws IOException {
    Path file = dir.resolve(label.toLowerCase(java.util.Locale.ROOT).replace(' ', '-') + ".pem");
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    Files.writeString(file, "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n");
    return file;
  }

  /** {@code openssl <args> -in in -out <dir>/out}, as an operator converts a key. */
  private Path openssl(Path in, String out, String... args) throws Exception {
    Path target = dir.resolve(out);
    List<String> argv = new ArrayList<>(List.of("openssl"));
    argv.addAll(List.of(args));
    argv.addAll(List.of("-in", in.toString(), "-out", target.toString()));
    Path log = dir.resolve(out + ".log");
    int rc = run(argv, log);
    assertEquals(0, rc, String.join(" ", argv) + ": " + Files.readString(log));
    return target;
  }

  private static int run(List<String> argv, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(log.toFile()));
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }
}
