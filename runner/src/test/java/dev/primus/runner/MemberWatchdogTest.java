package dev.primus.runner;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.primus.agent.PrimusRuntime;
import dev.primus.agent.watchdog.DeviceWatchdog;
import dev.primus.ha.Timings;
import dev.primus.runner.config.ConfigLoadResult;
import dev.primus.runner.config.PatroniConfig;
import dev.primus.runner.config.PatroniConfigLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code watchdog} section of a member's file as the runner makes it real, on Patroni's {@code driver: testing}
 * (every request written as text to the device file, as Patroni's test harness reads it): the device receives
 * {@code ttl - safety_margin} from the file's timings and follows a ttl change; {@code mode: required} with a
 * device that cannot be armed stops the member at start, naming the device and the reason, before anything
 * connects (the DCS address here is never contacted).
 */
class MemberWatchdogTest {
  @TempDir
  Path dir;

  static PatroniConfig config(String watchdog) {
    String yaml = String.join("\n",
        "scope: wd",
        "name: node1",
        "restapi:",
        "  listen: 127.0.0.1:8008",
        "  connect_address: 127.0.0.1:8008",
        "etcd3:",
        "  hosts: 127.0.0.1:9",
        "bootstrap:",
        "  dcs:",
        "    ttl: 40",
        "    loop_wait: 10",
        "    retry_timeout: 10",
        "postgresql:",
        "  listen: 127.0.0.1:5432",
        "  connect_address: 127.0.0.1:5432",
        "  data_dir: /nonexistent/primus-wd-test/data",
        "watchdog:",
        watchdog,
        "");
    ConfigLoadResult r = PatroniConfigLoader.load(yaml, Map.of("HOME", "/tmp"));
    if (r instanceof ConfigLoadResult.Invalid invalid) {
      fail("expected a valid configuration:\n" + invalid.describe());
    }
    return ((ConfigLoadResult.Loaded) r).config();
  }

  static String testing(String mode, Path device, int safetyMargin) {
    return "  mode: " + mode + "\n  driver: testing\n  device: " + device + "\n  safety_margin: " + safetyMargin;
  }

  static String read(Path file) throws Exception {
    return Files.readString(file, StandardCharsets.US_ASCII);
  }

  @Test
  void theDeviceReceivesTtlMinusSafetyMarginAndFollowsTheTtl() throws Exception {
    Path device = Files.createFile(dir.resolve("watchdog"));
    PatroniConfig c = config(testing("required", device, 7));
    DeviceWatchdog watchdog = Member.watchdog(c.watchdog());
    assertEquals("", read(device), "made, not armed: the agent arms it when the engine takes the lock");

    Timings timings = c.bootstrap().timings();
    watchdog.activate(timings);
    assertEquals("Ctimeout=33\n", read(device), "ttl 40 - safety_margin 7");
    watchdog.keepalive(timings);
    assertEquals("Ctimeout=33\n1", read(device));

    // ttl lowered in the DCS config (patronictl edit-config): the next keepalive sets the timeout again.
    watchdog.keepalive(new Timings(Duration.ofSeconds(30), timings.loopWait(), timings.retryTimeout()));
    assertEquals("Ctimeout=33\n11Ctimeout=23\n", read(device), "ttl 30 - safety_margin 7");

    watchdog.disable();
    assertEquals("Ctimeout=33\n11Ctimeout=23\nV", read(device), "disarmed with the magic close");
  }

  @Test
  void safetyMarginMinusOneGivesHalfTheTtl() throws Exception {
    Path device = Files.createFile(dir.resolve("watchdog"));
    PatroniConfig c = config(testing("required", device, -1));
    DeviceWatchdog watchdog = Member.watchdog(c.watchdog());
    watchdog.activate(c.bootstrap().timings());
    watchdog.disable();
    assertEquals("Ctimeout=20\nV", read(device), "ttl 40 // 2");
  }

  @Test
  void requiredWithADeviceThatCannotBeArmedStopsTheMemberWithTheReason() throws Exception {
    Path missing = dir.resolve("no-such-watchdog");
    PatroniConfig c = config(testing("required", missing, 5));

    Member.StartException e;
    try (PrimusRuntime runtime = PrimusRuntime.create(); Stores stores = new Stores()) {
      e = assertThrows(Member.StartException.class, () -> Member.start(c, Optional.empty(),
          getClass().getClassLoader(), "postgres", runtime, stores));
    }
    assertEquals("watchdog.mode is required, but watchdog test harness at " + missing + " cannot be used: no such"
        + " file; this member could never lead. Fix watchdog.device or watchdog.driver, or set watchdog.mode to"
        + " automatic or off", e.getMessage());
    assertFalse(Files.exists(missing), "the device file is never created");
  }

  @Test
  void requiredOnTheDefaultDriverRefusesAFileThatIsNoDeviceWithoutWritingIt() throws Exception {
    Path file = Files.createFile(dir.resolve("watchdog"));
    PatroniConfig c = config("  mode: required\n  device: " + file);

    Member.StartException e = assertThrows(Member.StartException.class, () -> Member.watchdog(c.watchdog()));
    assertTrue(e.getMessage().startsWith("watchdog.mode is required, but "), e.getMessage());
    assertTrue(e.getMessage().contains(file + " ") && e.getMessage().contains("cannot be used: it is not a"
        + " character device"), e.getMessage());
    assertEquals("", read(file), "checked without opening: opening a watchdog arms it");
  }

  @Test
  void automaticWithAMissingDeviceStartsAndGoesOnWithoutOne() throws Exception {
    Path missing = dir.resolve("no-such-watchdog");
    PatroniConfig c = config(testing("automatic", missing, 5));
    DeviceWatchdog watchdog = assertDoesNotThrow(() -> Member.watchdog(c.watchdog()));

    watchdog.activate(c.bootstrap().timings());
    assertFalse(watchdog.active(), "warned, not armed");
    assertTrue(watchdog.lastProblem().orElseThrow().getMessage().contains("no such file"),
        watchdog.lastProblem().toString());
  }
}
