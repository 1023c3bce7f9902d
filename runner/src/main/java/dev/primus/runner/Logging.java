package dev.primus.runner;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.primus.runner.config.LogConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Configures Logback from the {@code log:} section: the root level ({@code level}; Patroni's
 * {@code WARNING} and {@code CRITICAL} map to WARN and ERROR), per-logger levels ({@code loggers}), the
 * line format ({@code format} and {@code dateformat}, Python's {@code %(...)s} fields translated), and
 * either stderr or {@code <dir>/patroni.log} rotated at {@code file_size} bytes keeping {@code file_num}
 * old files ({@code patroni.log.1} ...), as Patroni names them.
 *
 * <p>{@code java.util.logging} (gRPC) and {@code System.Logger} (the PostgreSQL driver logs through it, and the
 * JDK sends it to {@code java.util.logging}) are bridged into the same appender.
 *
 * <p>The backends' client libraries (gRPC, Netty, jetcd, Vert.x, Curator, ZooKeeper, OkHttp) log their
 * retries at INFO or WARN; they are held at WARN unless {@code loggers} says otherwise.
 */
public final class Logging {
  /** Patroni's default line: {@code 2024-01-01 10:00:00,123 INFO: no action. I am (node1), ...}. */
  public static final String DEFAULT_FORMAT = "%(asctime)s %(levelname)s: %(message)s";
  static final String FILE_NAME = "patroni.log";
  private static final List<String> CHATTY = List.of("io.grpc", "io.netty", "io.etcd", "io.vertx",
      "org.apache.zookeeper", "org.apache.curator", "okhttp3", "com.orbitz", "org.kiwiproject");

  private Logging() {}

  /** Replaces the current configuration with {@code config}'s. */
  public static void configure(LogConfig config) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    // java.util.logging (gRPC) and System.Logger (the PostgreSQL driver, through JUL) into this log; the
    // propagator keeps JUL's levels in step so that disabled records are dropped before the bridge.
    LevelChangePropagator propagator = new LevelChangePropagator();
    propagator.setContext(ctx);
    propagator.setResetJUL(true);
    propagator.start();
    ctx.addListener(propagator);
    bridgeJavaUtilLogging();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern(pattern(config.format().orElse(DEFAULT_FORMAT), config.dateFormat()));
    encoder.start();

    Appender<ILoggingEvent> appender;
    if (config.dir().isPresent()) {
      Path file = config.dir().get().resolve(FILE_NAME);
      RollingFileAppender<ILoggingEvent> rolling = new RollingFileAppender<>();
      rolling.setContext(ctx);
      rolling.setName("file");
      rolling.setFile(file.toString());
      rolling.setEncoder(encoder);
      FixedWindowRollingPolicy policy = new FixedWindowRollingPolicy();
      policy.setContext(ctx);
      policy.setParent(rolling);
      policy.setFileNamePattern(file + ".%i");
      policy.setMinIndex(1);
      policy.setMaxIndex(Math.max(1, config.fileNum()));
      policy.start();
      SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
      trigger.setContext(ctx);
      trigger.setMaxFileSize(new FileSize(Math.max(1024, config.fileSize())));
      trigger.start();
      rolling.setRollingPolicy(policy);
      rolling.setTriggeringPolicy(trigger);
      rolling.start();
      appender = rolling;
    } else {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setContext(ctx);
      console.setName("stderr");
      console.setTarget("System.err");
      console.setEncoder(encoder);
      console.start();
      appender = console;
    }
    ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(config.level()));
    root.addAppender(appender);
    for (String chatty : CHATTY) {
      ctx.getLogger(chatty).setLevel(Level.WARN);
    }
    for (Map.Entry<String, String> e : config.loggers().entrySet()) {
      ctx.getLogger(e.getKey()).setLevel(level(e.getValue()));
    }
  }

  /**
   * Routes {@code java.util.logging} (and with it {@code System.Logger}) into SLF4J, once per JVM: the
   * default {@code logback.xml} then keeps the backends' INFO chatter out of {@code primus ctl}'s output.
   */
  public static void bridgeJavaUtilLogging() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  /** Sets only the levels again (a reload must not reopen the file). */
  public static void reconfigureLevels(LogConfig config) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(level(config.level()));
    for (Map.Entry<String, String> e : config.loggers().entrySet()) {
      ctx.getLogger(e.getKey()).setLevel(level(e.getValue()));
    }
  }

  /** Flushes and closes the appenders (the end of the shutdown hook). */
  public static void stop() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.stop();
    }
  }

  /** Patroni's level names as Logback's. */
  static Level level(String patroni) {
    switch (patroni.trim().toUpperCase(Locale.ROOT)) {
      case "DEBUG":
        return Level.DEBUG;
      case "WARNING":
      case "WARN":
        return Level.WARN;
      case "ERROR":
      case "CRITICAL":
      case "FATAL":
        return Level.ERROR;
      case "NOTSET":
      case "TRACE":
        return Level.TRACE;
      case "INFO":
      default:
        return Level.INFO;
    }
  }

  /**
   * A Python logging format as a Logback pattern: {@code %(asctime)s}, {@code %(levelname)s},
   * {@code %(message)s}, {@code %(name)s}, {@code %(threadName)s}; other fields are
   * dropped. Literal characters Logback would read as syntax are escaped.
   */
  static String pattern(String python, java.util.Optional<String> dateFormat) {
    // Quoted: a comma inside the braces would otherwise separate the pattern from a time zone.
    String date = "%d{\"" + dateFormat.map(Logging::javaDate).orElse("yyyy-MM-dd HH:mm:ss,SSS") + "\"}";
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < python.length()) {
      char c = python.charAt(i);
      if (c == '%' && i + 1 < python.length() && python.charAt(i + 1) == '%') {
        out.append("\\%");
        i += 2;
      } else if (c == '%' && i + 1 < python.length() && python.charAt(i + 1) == '(') {
        int close = python.indexOf(')', i);
        if (close < 0) {
          out.append("\\%");
          i++;
          continue;
        }
        String field = python.substring(i + 2, close);
        int j = close + 1;
        // the conversion: optional flags/width, then one letter (s, d, f, ...)
        while (j < python.length() && !Character.isLetter(python.charAt(j))) {
          j++;
        }
        j = Math.min(python.length(), j + 1);
        out.append(switch (field) {
          case "asctime" -> date;
          case "levelname" -> "%level";
          case "message" -> "%msg";
          case "name" -> "%logger";
          case "threadName" -> "%thread";
          default -> "";
        });
        i = j;
      } else if (c == '(' || c == ')' || c == '\\' || c == '%') {
        out.append('\\').append(c);
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    return out + "%n";
  }

  /** A few strftime fields as {@link java.time.format.DateTimeFormatter}/Logback date letters. */
  static String javaDate(String strftime) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < strftime.length(); i++) {
      char c = strftime.charAt(i);
      if (c == '%' && i + 1 < strftime.length()) {
        char f = strftime.charAt(++i);
        out.append(switch (f) {
          case 'Y' -> "yyyy";
          case 'y' -> "yy";
          case 'm' -> "MM";
          case 'd' -> "dd";
          case 'H' -> "HH";
          case 'M' -> "mm";
          case 'S' -> "ss";
          case 'f' -> "SSSSSS";
          case 'z' -> "Z";
          case 'Z' -> "z";
          case 'b' -> "MMM";
          case 'a' -> "EEE";
          case '%' -> "%";
          default -> "";
        });
      } else if (Character.isLetter(c)) {
        out.append('\'').append(c).append('\'');
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
