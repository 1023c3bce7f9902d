package dev.primus.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import dev.primus.runner.config.LogConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The log: section: levels, Patroni's format translated, the file and its rotation. */
class LoggingTest {

  @AfterEach
  void restoreTestLogging() throws Exception {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    JoranConfigurator j = new JoranConfigurator();
    j.setContext(ctx);
    j.doConfigure(getClass().getResource("/logback-test.xml"));
  }

  @Test
  void patronisLevelNamesMapToLogbacks() {
    assertEquals(Level.WARN, Logging.level("WARNING"));
    assertEquals(Level.ERROR, Logging.level("CRITICAL"));
    assertEquals(Level.DEBUG, Logging.level("debug"));
    assertEquals(Level.INFO, Logging.level("INFO"));
  }

  @Test
  void pythonFormatFieldsBecomeLogbackConversions() {
    assertEquals("%d{\"yyyy-MM-dd HH:mm:ss,SSS\"} %level: %msg%n", Logging.pattern(Logging.DEFAULT_FORMAT, Optional.empty()));
    assertEquals("[%logger] \\(%thread\\) %msg 100\\%%n",
        Logging.pattern("[%(name)s] (%(threadName)s) %(message)s 100%%", Optional.empty()));
    assertEquals("%d{\"yyyy-MM-dd'T'HH:mm:ss\"} %msg%n",
        Logging.pattern("%(asctime)s %(message)s", Optional.of("%Y-%m-%dT%H:%M:%S")));
  }

  @Test
  void withADirectoryTheLogGoesToPatroniLogAtTheConfiguredLevel(@TempDir Path dir) throws Exception {
    Logging.configure(new LogConfig("WARNING", Optional.empty(), Optional.empty(), Optional.of(dir), 2, 1024,
        Map.of("dev.primus.special", "DEBUG")));
    LoggerFactory.getLogger("dev.primus.x").info("not written: below WARNING");
    LoggerFactory.getLogger("dev.primus.x").warn("written");
    LoggerFactory.getLogger("dev.primus.special").debug("per-logger level");
    java.util.logging.Logger.getLogger("io.grpc.test").severe("from java.util.logging");
    Logging.stop();

    String log = Files.readString(dir.resolve("patroni.log"));
    assertTrue(log.contains("WARN: written"), log);
    assertTrue(log.contains("DEBUG: per-logger level"), log);
    assertTrue(log.contains("ERROR: from java.util.logging"), log);
    assertTrue(!log.contains("not written"), log);
  }
}
