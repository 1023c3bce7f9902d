package dev.primus.runner.watchdog;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Linux watchdog driver behind {@link Syscalls}, for tests: it answers the three ioctls as a driver that
 * rounds timeouts up to a multiple of {@link #granularity} would, and logs every call.
 */
final class FakeSyscalls implements Syscalls {
  static final int FD = 7;
  final WatchdogIoctls ioctls = WatchdogIoctls.forArch("amd64");
  final List<String> calls = new ArrayList<>();
  final StringBuilder written = new StringBuilder();
  int options = 0x0080 | 0x0100;
  int firmware = 0;
  String identity = "Software Watchdog";
  int granularity = 1;
  int timeout = 60;
  Optional<String> failing = Optional.empty();

  private void call(String what) throws NativeError {
    calls.add(what);
    if (failing.filter(what::startsWith).isPresent()) {
      throw new NativeError(25, "Inappropriate ioctl for device (errno 25)");
    }
  }

  @Override
  public int openWriteOnly(String path) throws NativeError {
    call("open " + path);
    return FD;
  }

  @Override
  public void write(int fd, byte[] bytes) throws NativeError {
    call("write " + new String(bytes, StandardCharsets.US_ASCII));
    written.append(new String(bytes, StandardCharsets.US_ASCII));
  }

  @Override
  public void close(int fd) throws NativeError {
    call("close");
  }

  @Override
  public void ioctlInt(int fd, long request, int[] value) throws NativeError {
    if (request == ioctls.setTimeout()) {
      call("WDIOC_SETTIMEOUT " + value[0]);
      timeout = (value[0] + granularity - 1) / granularity * granularity;
      value[0] = timeout;
    } else if (request == ioctls.getTimeout()) {
      call("WDIOC_GETTIMEOUT");
      value[0] = timeout;
    } else {
      throw new AssertionError("unexpected int ioctl 0x" + Long.toHexString(request));
    }
  }

  @Override
  public byte[] ioctlRead(int fd, long request, int size) throws NativeError {
    if (request != ioctls.getSupport() || size != 40) {
      throw new AssertionError("unexpected ioctl 0x" + Long.toHexString(request) + " of " + size + " bytes");
    }
    call("WDIOC_GETSUPPORT");
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    b.putInt(options).putInt(firmware).put(identity.getBytes(StandardCharsets.US_ASCII));
    return b.array();
  }
}
