package dev.primus.runner.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code log} section.
 *
 * @param level      the root level: DEBUG, INFO, WARNING, ERROR or CRITICAL ({@code level}, default INFO)
 * @param format     Patroni's Python-style format string, if set; the runner translates the usual
 *                   {@code %(asctime)s}-style fields ({@code format})
 * @param dateFormat the timestamp format, if set ({@code dateformat})
 * @param dir        write {@code patroni.log} there instead of stderr ({@code dir})
 * @param fileNum    rotated files kept ({@code file_num}, default 4)
 * @param fileSize   bytes after which the file rotates ({@code file_size}, default 25000000)
 * @param loggers    per-logger levels ({@code loggers})
 */
public record LogConfig(
    String level,
    Optional<String> format,
    Optional<String> dateFormat,
    Optional<Path> dir,
    int fileNum,
    long fileSize,
    Map<String, String> loggers) {

  public static final String DEFAULT_LEVEL = "INFO";
  public static final int DEFAULT_FILE_NUM = 4;
  public static final long DEFAULT_FILE_SIZE = 25_000_000L;

  public LogConfig {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(dateFormat, "dateFormat");
    Objects.requireNonNull(dir, "dir");
    loggers = Map.copyOf(loggers);
  }
}
