package dev.primus.runner.watchdog;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.IntByReference;
import java.util.Optional;

/**
 * {@link Syscalls} through JNA on the C library. Loading it can fail (no native stub for this platform, a
 * temporary directory mounted {@code noexec}): {@link #load()} says why instead of throwing.
 */
final class JnaSyscalls implements Syscalls {
  private static final int O_WRONLY = 1;
  private static final int F_SETFD = 2;
  private static final int FD_CLOEXEC = 1;

  /** The C library's functions, as JNA binds them; errno comes back as {@link LastErrorException}. */
  interface CLibrary extends Library {
    int open(String path, int flags) throws LastErrorException;

    NativeLong write(int fd, byte[] buffer, NativeLong count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    // Both are variadic in C; JNA passes variadic arguments the way the platform's calling convention wants.
    int ioctl(int fd, NativeLong request, Object... argument) throws LastErrorException;

    int fcntl(int fd, int command, Object... argument) throws LastErrorException;

    String strerror(int errno);
  }

  /** What loading the C library gave: the calls, or why there are none. */
  sealed interface Loaded {
    record Available(JnaSyscalls syscalls) implements Loaded {}

    record Unavailable(String reason) implements Loaded {}
  }

  private final CLibrary c;

  private JnaSyscalls(CLibrary c) {
    this.c = c;
  }

  /** Binds the C library. */
  static Loaded load() {
    try {
      return new Loaded.Available(new JnaSyscalls(Native.load("c", CLibrary.class)));
    } catch (LinkageError | RuntimeException e) {
      return new Loaded.Unavailable("native access through JNA is not available: " + e);
    }
  }

  @Override
  public int openWriteOnly(String path) throws NativeError {
    int fd;
    try {
      fd = c.open(path, O_WRONLY);
    } catch (LastErrorException e) {
      throw error(e);
    }
    try {
      // Not that Java hands descriptors to child processes, but a watchdog held open by a stray child would
      // keep the node armed after the agent closed it.
      c.fcntl(fd, F_SETFD, FD_CLOEXEC);
    } catch (LastErrorException e) {
      NativeError failure = error(e);
      try {
        c.close(fd);
      } catch (LastErrorException ignored) {
        // The descriptor is released by the kernel either way.
      }
      throw failure;
    }
    return fd;
  }

  @Override
  public void write(int fd, byte[] bytes) throws NativeError {
    int done = 0;
    while (done < bytes.length) {
      byte[] rest = done == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, done, bytes.length);
      try {
        done += c.write(fd, rest, new NativeLong(rest.length)).intValue();
      } catch (LastErrorException e) {
        throw error(e);
      }
    }
  }

  @Override
  public void close(int fd) throws NativeError {
    try {
      c.close(fd);
    } catch (LastErrorException e) {
      throw error(e);
    }
  }

  @Override
  public void ioctlInt(int fd, long request, int[] value) throws NativeError {
    IntByReference ref = new IntByReference(value[0]);
    try {
      c.ioctl(fd, requestNumber(request), ref);
    } catch (LastErrorException e) {
      throw error(e);
    }
    value[0] = ref.getValue();
  }

  @Override
  public byte[] ioctlRead(int fd, long request, int size) throws NativeError {
    try (Memory buffer = new Memory(size)) {
      buffer.clear();
      try {
        c.ioctl(fd, requestNumber(request), buffer);
      } catch (LastErrorException e) {
        throw error(e);
      }
      return buffer.getByteArray(0, size);
    }
  }

  /** The request as C's {@code unsigned long}: on a 32-bit machine the same bits, read as a signed value. */
  private static NativeLong requestNumber(long request) {
    return new NativeLong(NativeLong.SIZE == 4 ? (long) (int) request : request);
  }

  private NativeError error(LastErrorException e) {
    int errno = e.getErrorCode();
    String text = Optional.ofNullable(c.strerror(errno)).orElse("error");
    return new NativeError(errno, text + " (errno " + errno + ")");
  }
}
