package dev.primus.ha.puritycheck;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Deliberate violations of {@link dev.primus.ha.PurityRules}, one small class per forbidden thing, so
 * {@link PurityRulesCatchViolationsTest} can show that each rule fails when it should. Never run.
 */
final class Violators {
  private Violators() {}

  static final class ReadsAFile {
    boolean exists() {
      return new File("/etc/hostname").exists();
    }
  }

  static final class ReadsWithNio {
    String read() throws java.io.IOException {
      return Files.readString(Path.of("/etc/hostname"));
    }
  }

  static final class OpensAUri {
    String host() {
      return URI.create("http://node1:8008/patroni").getHost();
    }
  }

  static final class StartsAProcess {
    Process run() throws java.io.IOException {
      return new ProcessBuilder("pg_ctl", "status").start();
    }
  }

  static final class StartsAThread {
    void run() {
      new Thread(() -> { }).start();
    }
  }

  static final class UsesAnExecutor {
    void run() {
      Executors.newSingleThreadExecutor().shutdown();
    }
  }

  static final class GoesAsync {
    CompletableFuture<Void> run() {
      return CompletableFuture.runAsync(() -> { });
    }
  }

  static final class ReadsMillis {
    long now() {
      return System.currentTimeMillis();
    }
  }

  static final class ReadsNanos {
    long now() {
      return System.nanoTime();
    }
  }

  static final class ReadsInstantNow {
    Instant now() {
      return Instant.now();
    }
  }

  static final class ReadsLocalDateTimeNow {
    LocalDateTime now() {
      return LocalDateTime.now();
    }
  }

  static final class UsesTheSystemClock {
    Clock clock() {
      return Clock.systemUTC();
    }
  }

  static final class UsesMathRandom {
    double roll() {
      return Math.random();
    }
  }

  static final class UsesUnseededRandom {
    int roll() {
      return new Random().nextInt();
    }
  }

  static final class UsesThreadLocalRandom {
    int roll() {
      return ThreadLocalRandom.current().nextInt();
    }
  }

  static final class UsesSecureRandom {
    int roll() {
      return new SecureRandom().nextInt();
    }
  }

  /** Allowed: a seeded generator, a clock that is passed in, plain arithmetic on instants. */
  static final class Clean {
    int roll(long seed) {
      return new Random(seed).nextInt();
    }

    Instant later(Clock given, Instant now) {
      return now.plusSeconds(given.getZone().getId().length());
    }
  }
}
