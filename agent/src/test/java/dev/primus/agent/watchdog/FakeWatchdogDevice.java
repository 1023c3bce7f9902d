package dev.primus.agent.watchdog;

import dev.primus.agent.WatchdogException.DeviceFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntUnaryOperator;

/**
 * A watchdog device whose driver the test scripts: how it rounds a timeout, whether it lets the timeout be set
 * or read, whether it has magic close, which call fails. Every call is logged in order, as a word, with its
 * argument for {@code setTimeout}: {@code open}, {@code support}, {@code keepalive}, {@code setTimeout 25},
 * {@code timeout}, {@code close}.
 */
final class FakeWatchdogDevice implements WatchdogDevice {
  final Path path;
  final List<String> calls = new ArrayList<>();
  /** What the driver makes of a timeout it is given (identity: exact). */
  IntUnaryOperator rounding = IntUnaryOperator.identity();
  boolean canSetTimeout = true;
  boolean canReadTimeout = true;
  boolean magicClose = true;
  /** The call (a word of {@link #calls}) that fails, if any. */
  Optional<String> failing = Optional.empty();
  int timeout = 60;
  private boolean open;
  /** Closed with the magic character, never just dropped. */
  int magicCloses;

  FakeWatchdogDevice(Path path) {
    this.path = path;
  }

  /** A driver making fake devices, each kept in {@code made} for the test to script and inspect. */
  static final class Driver implements WatchdogDriver {
    final List<FakeWatchdogDevice> made = new ArrayList<>();
    /** Applied to each device as it is made. */
    java.util.function.Consumer<FakeWatchdogDevice> script = d -> { };

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public WatchdogDevice device(Path path) {
      FakeWatchdogDevice d = new FakeWatchdogDevice(path);
      script.accept(d);
      made.add(d);
      return d;
    }

    FakeWatchdogDevice last() {
      return made.get(made.size() - 1);
    }
  }

  private void call(String word) throws DeviceFailure {
    calls.add(word);
    if (failing.filter(word::startsWith).isPresent()) {
      throw new DeviceFailure(word + " failed (scripted)");
    }
  }

  @Override
  public Path path() {
    return path;
  }

  @Override
  public void open() throws DeviceFailure {
    call("open");
    open = true;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public WatchdogSupport support() throws DeviceFailure {
    requireOpen();
    call("support");
    int options = (canSetTimeout ? WatchdogSupport.SET_TIMEOUT : 0) | (magicClose ? WatchdogSupport.MAGIC_CLOSE : 0);
    return new WatchdogSupport(options, 0, "fake watchdog");
  }

  @Override
  public void keepalive() throws DeviceFailure {
    requireOpen();
    call("keepalive");
  }

  @Override
  public void setTimeout(int seconds) throws DeviceFailure {
    requireOpen();
    if (!canSetTimeout) {
      throw new AssertionError("setTimeout called on a device that said it cannot set one");
    }
    call("setTimeout " + seconds);
    timeout = rounding.applyAsInt(seconds);
  }

  @Override
  public OptionalInt timeout() throws DeviceFailure {
    requireOpen();
    call("timeout");
    return canReadTimeout ? OptionalInt.of(timeout) : OptionalInt.empty();
  }

  @Override
  public void close() throws DeviceFailure {
    if (!open) {
      return;
    }
    open = false;
    magicCloses++;
    call("close");
  }

  @Override
  public String describe() {
    return "fake watchdog at " + path;
  }

  private void requireOpen() throws DeviceFailure {
    if (!open) {
      throw new DeviceFailure("fake watchdog at " + path + " is not open");
    }
  }
}
