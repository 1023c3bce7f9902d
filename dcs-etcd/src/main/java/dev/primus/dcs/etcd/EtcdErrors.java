package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns a failed jetcd/gRPC call into a {@link DcsException} whose {@link Kind} says whether a retry is
 * safe, in the spirit of jetcd's {@code io.etcd.jetcd.support.Errors}: classified, never guessed.
 *
 * <p>The one subtle case is {@code UNAVAILABLE}. gRPC uses it both when no connection could be made
 * (nothing was sent) and when a connection broke while the call was in flight; etcd uses it for
 * {@code request timed out} and {@code leader changed}, when a proposal may still commit. A read may
 * always be redone, so it stays {@link Kind#UNAVAILABLE}; a write is {@link Kind#UNAVAILABLE} only with
 * evidence that it never left (a refused connection, {@code no leader}, {@code too many requests}),
 * and {@link Kind#TIMEOUT} (outcome unknown) otherwise.
 */
final class EtcdErrors {
  private EtcdErrors() {}

  /**
   * Classifies {@code failure}.
   *
   * @param mutation whether the request changes data, so an unknown outcome matters
   * @param what     what was attempted, for the message (e.g. {@code create /service/pg/leader})
   */
  static DcsException classify(Throwable failure, boolean mutation, String what) {
    Throwable t = unwrap(failure);
    if (t instanceof ClosedClientException) {
      return new DcsException(Kind.INTERNAL, what + ": the etcd client is closed", t);
    }
    // The first etcd or gRPC status in the cause chain carries the code (jetcd's retry layer and
    // CompletableFuture may wrap it).
    Status.Code code = Status.Code.UNKNOWN;
    String description = t.getMessage();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof EtcdException e) {
        code = Status.Code.valueOf(e.getErrorCode().name());
        description = e.getMessage();
        break;
      }
      if (c instanceof StatusRuntimeException || c instanceof StatusException) {
        Status status = Status.fromThrowable(c);
        code = status.getCode();
        description = status.getDescription();
        break;
      }
    }
    String text = description == null ? "" : description;
    Kind kind = kind(code, text, mutation, t);
    StringBuilder message = new StringBuilder(what).append(": ").append(code);
    if (!text.isEmpty()) {
      message.append(' ').append(text);
    }
    Throwable root = root(t);
    if (root != t && root.getMessage() != null && !text.contains(root.getMessage())) {
      message.append(" (").append(root.getMessage()).append(')');
    }
    return new DcsException(kind, message.toString(), t);
  }

  static Kind kind(Status.Code code, String text, boolean mutation, Throwable t) {
    return switch (code) {
      case UNAVAILABLE -> {
        if (text.contains("timed out")) {
          // etcdserver: request timed out (possibly due to previous leader failure / connection lost):
          // the proposal may still be applied.
          yield Kind.TIMEOUT;
        }
        if (!mutation || text.contains("no leader") || text.contains("too many requests") || notSent(t)) {
          yield Kind.UNAVAILABLE;
        }
        yield Kind.TIMEOUT;
      }
      case DEADLINE_EXCEEDED, CANCELLED -> Kind.TIMEOUT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> Kind.AUTHENTICATION;
      // etcd reports a wrong password as InvalidArgument "authentication failed, invalid user ID or password".
      case INVALID_ARGUMENT -> isAuth(text) ? Kind.AUTHENTICATION : Kind.INVALID_REQUEST;
      case FAILED_PRECONDITION -> isAuth(text) ? Kind.AUTHENTICATION : Kind.INTERNAL;
      case NOT_FOUND -> text.contains("lease not found") ? Kind.LEASE_NOT_FOUND : Kind.INTERNAL;
      case RESOURCE_EXHAUSTED -> {
        if (text.contains("too many requests")) {
          yield Kind.UNAVAILABLE;
        }
        yield text.contains("too large") || text.contains("larger than") ? Kind.INVALID_REQUEST : Kind.INTERNAL;
      }
      case OUT_OF_RANGE -> Kind.INVALID_REQUEST;
      // etcd passes Go's context errors on as UNKNOWN: the call's deadline ran out on the member (a
      // follower waiting for a leader that is gone); the proposal may still be applied.
      case UNKNOWN -> text.contains("context deadline exceeded") || text.contains("context canceled") ? Kind.TIMEOUT
          // An HTTP/2 stream reset or a broken connection surfaces as INTERNAL/UNKNOWN with an I/O cause.
          : hasCause(t, IOException.class) ? (mutation ? Kind.TIMEOUT : Kind.UNAVAILABLE) : Kind.INTERNAL;
      case INTERNAL -> hasCause(t, IOException.class) ? (mutation ? Kind.TIMEOUT : Kind.UNAVAILABLE)
          : Kind.INTERNAL;
      default -> Kind.INTERNAL;
    };
  }

  /** Whether the failure is one etcd answered (so the server is reachable and healthy enough). */
  static boolean serverAnswered(Kind kind) {
    return kind == Kind.INVALID_REQUEST || kind == Kind.LEASE_NOT_FOUND;
  }

  private static boolean isAuth(String text) {
    return text.contains("authentication") || text.contains("auth token") || text.contains("user name")
        || text.contains("permission denied");
  }

  /**
   * Evidence that the request never reached a server: no connection could be made. gRPC's round robin
   * only sends calls to members it is connected to, so this means no member is reachable right now.
   */
  static boolean notSent(Throwable t) {
    return hasCause(t, ConnectException.class) || hasCause(t, NoRouteToHostException.class)
        || hasCause(t, UnknownHostException.class) || hasCause(t, UnresolvedAddressException.class);
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  private static Throwable root(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
