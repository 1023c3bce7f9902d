package dev.primus.agent.watchdog;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/** The drivers of this module, one instance each (see {@link WatchdogDriver#testing()} and {@link WatchdogDriver#writeOnly()}). */
final class BuiltInDrivers {
  static final WatchdogDriver TESTING = new Named("testing", TestingWatchdogDevice::new);
  static final WatchdogDriver WRITE_ONLY = new Named("write-only",
      path -> new WriteOnlyWatchdogDevice(path, WriteOnlyWatchdogDevice.SYSFS));

  private BuiltInDrivers() {}

  private record Named(String name, Function<Path, WatchdogDevice> factory) implements WatchdogDriver {
    Named {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(factory, "factory");
    }

    @Override
    public WatchdogDevice device(Path path) {
      return factory.apply(Objects.requireNonNull(path, "path"));
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
