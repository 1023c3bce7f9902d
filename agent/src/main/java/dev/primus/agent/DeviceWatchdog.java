package dev.primus.agent;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux watchdog device ({@code /dev/watchdog}): opening it arms the timer, every write restarts it,
 * and writing {@code 'V'} before closing disarms it (the "magic close"; a driver built with
 * {@code nowayout} ignores it, which is the operator's choice). See {@link Watchdog} for what is not
 * done here (setting the timeout).
 */
final class DeviceWatchdog implements Watchdog {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceWatchdog.class);
  private final Path device;
  private final Duration wantedTimeout;
  private FileOutputStream out;

  DeviceWatchdog(Path device, Duration wantedTimeout) {
    this.device = device;
    this.wantedTimeout = wantedTimeout;
  }

  @Override
  public synchronized void activate() throws IOException {
    if (out != null) {
      return;
    }
    try {
      out = new FileOutputStream(device.toFile());
    } catch (IOException e) {
      throw new IOException("cannot open watchdog device " + device + ": " + e.getMessage(), e);
    }
    LOG.info("watchdog {} armed; its timeout must be at most {} s (ttl - safety_margin), set outside Primus",
        device, wantedTimeout.toSeconds());
  }

  @Override
  public synchronized void keepalive() throws IOException {
    if (out == null) {
      throw new IOException("watchdog " + device + " is not armed");
    }
    out.write(0);
    out.flush();
  }

  @Override
  public synchronized void disable() throws IOException {
    if (out == null) {
      return;
    }
    FileOutputStream o = out;
    out = null;
    try {
      o.write('V');
      o.flush();
    } finally {
      o.close();
    }
  }

  @Override
  public synchronized boolean active() {
    return out != null;
  }

  @Override
  public String describe() {
    return "watchdog device " + device;
  }
}
