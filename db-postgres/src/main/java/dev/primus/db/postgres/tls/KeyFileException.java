package dev.primus.db.postgres.tls;

import java.util.Objects;

/** A client key or certificate file could not be used; {@link #problem()} says what the operator must fix. */
public final class KeyFileException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What is wrong with the file. */
  public enum Problem {
    /** It cannot be read (missing, no permission). */
    UNREADABLE,
    /** The key is encrypted and no {@code sslpassword} is configured. */
    PASSWORD_REQUIRED,
    /** The key is encrypted and {@code sslpassword} does not decrypt it. */
    WRONG_PASSWORD,
    /** A format or algorithm libpq reads but the JDK cannot (e.g. scrypt encryption, DSA PKCS#1). */
    UNSUPPORTED,
    /** Not a key or certificate at all, or damaged. */
    MALFORMED
  }

  private final Problem problem;

  KeyFileException(Problem problem, String message) {
    super(message);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  KeyFileException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  public Problem problem() {
    return problem;
  }
}
