package dev.primus.runner.watchdog;

/**
 * The few system calls a Linux watchdog device needs, so {@link LinuxWatchdogDevice} can be tested without
 * native code. {@link JnaSyscalls} makes them through JNA.
 */
interface Syscalls {

  /** {@code open(path, O_WRONLY)}, the descriptor marked close-on-exec; returns it. */
  int openWriteOnly(String path) throws NativeError;

  /** {@code write(fd, bytes)}, all of them. */
  void write(int fd, byte[] bytes) throws NativeError;

  /** {@code close(fd)}. */
  void close(int fd) throws NativeError;

  /**
   * {@code ioctl(fd, request, &value)} for an int argument: {@code value[0]} goes in, and holds what the driver
   * wrote back afterwards.
   */
  void ioctlInt(int fd, long request, int[] value) throws NativeError;

  /** {@code ioctl(fd, request, buffer)} into a buffer of {@code size} bytes, returned. */
  byte[] ioctlRead(int fd, long request, int size) throws NativeError;

  /** A system call failed; the message is the system's text for its errno. */
  final class NativeError extends Exception {
    private static final long serialVersionUID = 1L;
    private final int errno;

    NativeError(int errno, String message) {
      super(message);
      this.errno = errno;
    }

    /** The errno, 0 when the call could not even be made (no native access). */
    int errno() {
      return errno;
    }
  }
}
