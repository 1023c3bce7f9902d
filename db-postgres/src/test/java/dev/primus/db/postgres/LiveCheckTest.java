package dev.primus.db.postgres;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.primus.ha.DatabaseLiveness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link LiveCheck} learns from {@code postmaster.pid} alone, without a server: a stopped or killed
 * server is {@link DatabaseLiveness.Down} without any connection attempt ({@code LiveCheckIT} runs the rest
 * on PostgreSQL 15).
 */
final class LiveCheckTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  @TempDir
  Path dir;

  private LiveCheck check() throws Exception {
    Map<String, Object> section = new java.util.LinkedHashMap<>(PostgresConfigTest.minimal());
    section.put("data_dir", dir.toString());
    // Nothing listens there: a connection attempt would fail, which these cases must not need.
    section.put("listen", "127.0.0.1:1");
    PostgresConfig cfg = PostgresConfigTest.parse(section);
    LocalAddress address = LocalAddress.of(cfg, java.util.Optional::empty);
    return new LiveCheck(dir, new Sql(() -> cfg, () -> address, Duration.ofSeconds(1), TIMEOUT));
  }

  /** A postmaster.pid as PostgreSQL 15 writes it, naming {@code pid} with {@code status} on line 8. */
  private void pidFile(long pid, String status) throws Exception {
    Files.writeString(dir.resolve("postmaster.pid"), pid + "\n" + dir + "\n1700000000\n5432\n/tmp\n127.0.0.1\n"
        + "  5432001         0\n" + status + "\n");
  }

  @Test
  void noPidFileIsAServerThatIsDown() throws Exception {
    assertInstanceOf(DatabaseLiveness.Down.class, check().check(TIMEOUT));
  }

  @Test
  void aPidFileLeftByAKilledServerIsDown() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    pidFile(p.pid(), "ready");
    assertInstanceOf(DatabaseLiveness.Down.class, check().check(TIMEOUT));
  }

  @Test
  void aPidReusedByAnotherProgramIsNoServer() throws Exception {
    // This JVM is alive, but it is no postgres: the server that wrote the file is gone.
    pidFile(ProcessHandle.current().pid(), "ready");
    assertInstanceOf(DatabaseLiveness.Down.class, check().check(TIMEOUT));
  }

  @Test
  void aPidFileBeingWrittenIsAServerStartingNotOneThatIsGone() throws Exception {
    // PostgreSQL creates the file, then writes it: a look in between finds it empty or cut short.
    Files.writeString(dir.resolve("postmaster.pid"), "");
    assertInstanceOf(DatabaseLiveness.NotAnswering.class, check().check(TIMEOUT));
    Files.writeString(dir.resolve("postmaster.pid"), "1x\n");
    assertInstanceOf(DatabaseLiveness.NotAnswering.class, check().check(TIMEOUT));
  }
}
