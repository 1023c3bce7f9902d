package dev.primus.dcs.consul;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.kiwiproject.consul.ConsulException;

/**
 * Classifies what went wrong talking to Consul into a {@link DcsException.Kind}, so the caller knows
 * whether a retry is safe and whether the request may have been applied. Never guessed from the
 * operation alone: the HTTP status, Consul's error text and the I/O exception type decide.
 *
 * <ul>
 *   <li>the agent was not reached (refused, no route, unknown host, connect timeout), or it answered
 *       that it cannot serve ({@code No cluster leader}, 429, 502-504): {@link Kind#UNAVAILABLE},
 *       nothing applied;
 *   <li>the request went out and no answer came (read timeout, reset, our deadline, an RPC timeout
 *       between agent and servers): {@link Kind#TIMEOUT}, outcome unknown;
 *   <li>401/403, {@code Permission denied}, {@code ACL not found}, a refused certificate:
 *       {@link Kind#AUTHENTICATION};
 *   <li>400, 404 on a KV or transaction path, 413, an invalid session TTL: {@link Kind#INVALID_REQUEST};
 *   <li>{@code invalid session}, {@code Session ... not found}: {@link Kind#LEASE_NOT_FOUND};
 *   <li>anything else: {@link Kind#INTERNAL}.
 * </ul>
 */
final class ConsulErrors {
  private ConsulErrors() {}

  /** Our own deadline for the call passed. */
  static DcsException deadline(String what, Duration deadline, TimeoutException e) {
    return new DcsException(Kind.TIMEOUT, what + ": no answer from Consul within " + deadline, e);
  }

  /** The calling thread was interrupted while it waited; the request may still complete. */
  static DcsException interrupted(String what, InterruptedException e) {
    return new DcsException(Kind.TIMEOUT, what + ": interrupted while waiting for Consul", e);
  }

  /** Classifies a failure thrown by consul-client (or by anything under it). */
  static DcsException classify(String what, Throwable t) {
    if (t instanceof ConsulException ce) {
      if (ce.hasCode()) {
        return byStatus(what, ce.getCode(), body(ce.getMessage()), ce);
      }
      IOException io = find(ce, IOException.class);
      if (io != null) {
        return byIo(what, io, ce);
      }
      return new DcsException(Kind.INTERNAL, what + ": " + ce.getMessage(), ce);
    }
    IOException io = find(t, IOException.class);
    if (io != null) {
      return byIo(what, io, t);
    }
    return new DcsException(Kind.INTERNAL, what + ": " + t, t);
  }

  /** Classifies an HTTP answer that is not a success. {@code body} is Consul's error text. */
  static DcsException byStatus(String what, int status, String body, Throwable cause) {
    String text = body.toLowerCase(Locale.ROOT);
    String message = what + ": Consul answered " + status + ": " + body.strip();
    Kind kind;
    if (status == 401 || status == 403 || text.contains("permission denied") || text.contains("acl not found")) {
      kind = Kind.AUTHENTICATION;
    } else if (text.contains("invalid session ttl")) {
      kind = Kind.INVALID_REQUEST;
    } else if (text.contains("invalid session") || (text.contains("session") && text.contains("not found"))) {
      kind = Kind.LEASE_NOT_FOUND;
    } else if (status == 400 || status == 404 || status == 405 || status == 413) {
      kind = Kind.INVALID_REQUEST;
    } else if (status == 429 || status == 502 || status == 503 || status == 504
        || text.contains("no cluster leader") || text.contains("no known consul servers")
        || text.contains("no path to datacenter") || text.contains("rate limit")) {
      kind = Kind.UNAVAILABLE;
    } else if (status >= 500 && (text.contains("timeout") || text.contains("timed out") || text.contains("eof")
        || text.contains("connection reset") || text.contains("rpc error"))) {
      // The agent forwarded the request to a server and lost the answer: it may have been applied.
      kind = Kind.TIMEOUT;
    } else {
      kind = Kind.INTERNAL;
    }
    return new DcsException(kind, message, cause);
  }

  private static DcsException byIo(String what, IOException io, Throwable cause) {
    Kind kind;
    if (io instanceof ConnectException || io instanceof NoRouteToHostException
        || io instanceof UnknownHostException || io instanceof PortUnreachableException
        || (io instanceof SocketTimeoutException && String.valueOf(io.getMessage()).toLowerCase(Locale.ROOT)
            .contains("connect"))) {
      kind = Kind.UNAVAILABLE;
    } else if (io instanceof SSLPeerUnverifiedException
        || (io instanceof SSLHandshakeException && find(io, CertificateException.class) != null)) {
      kind = Kind.AUTHENTICATION;
    } else if (io instanceof SSLHandshakeException) {
      kind = Kind.UNAVAILABLE;
    } else if (io instanceof InterruptedIOException) {
      kind = Kind.TIMEOUT;
    } else {
      // Reset, unexpected end of stream, ...: the request may have reached Consul.
      kind = Kind.TIMEOUT;
    }
    return new DcsException(kind, what + ": " + io.getClass().getSimpleName() + ": " + io.getMessage(), cause);
  }

  /** Consul's error text inside consul-client's message "... failed with status [N]: text". */
  static String body(String message) {
    if (message == null) {
      return "";
    }
    int status = message.indexOf("failed with status [");
    int colon = status < 0 ? -1 : message.indexOf("]: ", status);
    return colon < 0 ? message : message.substring(colon + 3);
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
