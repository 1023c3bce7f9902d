package dev.primus.agent.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Patroni's {@code driver: testing}: a watchdog emulated over a plain file, normally a named pipe a test
 * harness reads. Requests that would be ioctls are written as text: {@code Ctimeout=<seconds>} and a newline
 * when the timeout is set; a keepalive writes {@code 1}, a clean close {@code V}. It claims to support setting
 * the timeout and magic close, and reads back whatever timeout it was last given (60 s before that, the
 * harness's own assumption), so every rule of {@link DeviceWatchdog} runs as with a real device.
 */
final class TestingWatchdogDevice implements WatchdogDevice {
  /** The timeout it reports before one is set. */
  static final int INITIAL_TIMEOUT = 60;
  static final String IDENTITY = "watchdog test harness";

  private final Path path;
  private final DeviceFile file;
  private int timeout = INITIAL_TIMEOUT;

  TestingWatchdogDevice(Path path) {
    this.path = Objects.requireNonNull(path, "path");
    this.file = new DeviceFile(path);
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public void open() throws DeviceFailure {
    file.open();
  }

  @Override
  public boolean isOpen() {
    return file.isOpen();
  }

  @Override
  public WatchdogSupport support() {
    return new WatchdogSupport(WatchdogSupport.SET_TIMEOUT | WatchdogSupport.MAGIC_CLOSE, 0, IDENTITY);
  }

  @Override
  public void keepalive() throws DeviceFailure {
    file.write("1");
  }

  @Override
  public void setTimeout(int seconds) throws DeviceFailure {
    file.write("Ctimeout=" + seconds + "\n");
    timeout = seconds;
  }

  @Override
  public OptionalInt timeout() {
    return OptionalInt.of(timeout);
  }

  @Override
  public void close() throws DeviceFailure {
    file.magicClose();
  }

  @Override
  public String describe() {
    return IDENTITY + " at " + path;
  }
}
