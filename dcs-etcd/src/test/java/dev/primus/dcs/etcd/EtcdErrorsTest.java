package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import io.etcd.jetcd.common.exception.ClosedClientException;
import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The error classification, with the statuses etcd 3.4 and gRPC actually produce. */
class EtcdErrorsTest {

  private static Kind kind(Throwable t, boolean mutation) {
    return EtcdErrors.classify(t, mutation, "test").kind();
  }

  private static Throwable status(Status s) {
    return s.asRuntimeException();
  }

  @Test
  void aRefusedConnectionIsUnavailableEvenForWrites() {
    Throwable refused = status(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused: /127.0.0.1:2379")));
    assertEquals(Kind.UNAVAILABLE, kind(refused, false));
    assertEquals(Kind.UNAVAILABLE, kind(refused, true), "nothing was sent");
    assertEquals(Kind.UNAVAILABLE, kind(new CompletionException(new ExecutionException(refused)), true),
        "wrappers are looked through");
  }

  @Test
  void aBrokenConnectionMakesAWriteOutcomeUnknown() {
    Throwable reset = status(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new IOException("Connection reset by peer")));
    assertEquals(Kind.UNAVAILABLE, kind(reset, false), "a read may simply be redone");
    assertEquals(Kind.TIMEOUT, kind(reset, true), "the write may have been applied");
    assertTrue(Kind.TIMEOUT.outcomeUnknown());
  }

  @Test
  void etcdServerSideStatuses() {
    assertEquals(Kind.TIMEOUT, kind(status(Status.UNAVAILABLE.withDescription("etcdserver: request timed out")), false));
    assertEquals(Kind.TIMEOUT, kind(status(Status.UNAVAILABLE.withDescription(
        "etcdserver: request timed out, possibly due to previous leader failure")), true));
    assertEquals(Kind.TIMEOUT, kind(status(Status.UNAVAILABLE.withDescription("etcdserver: leader changed")), true));
    assertEquals(Kind.UNAVAILABLE, kind(status(Status.UNAVAILABLE.withDescription("etcdserver: no leader")), true));
    assertEquals(Kind.UNAVAILABLE,
        kind(status(Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: too many requests")), true));
    assertEquals(Kind.INTERNAL,
        kind(status(Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: mvcc: database space exceeded")), true));
    assertEquals(Kind.INVALID_REQUEST,
        kind(status(Status.INVALID_ARGUMENT.withDescription("etcdserver: request is too large")), true));
    assertEquals(Kind.INVALID_REQUEST,
        kind(status(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided")), true));
    assertEquals(Kind.LEASE_NOT_FOUND,
        kind(status(Status.NOT_FOUND.withDescription("etcdserver: requested lease not found")), true));
    assertEquals(Kind.INVALID_REQUEST,
        kind(status(Status.OUT_OF_RANGE.withDescription("etcdserver: mvcc: required revision has been compacted")),
            false));
  }

  @Test
  void authenticationFailures() {
    assertEquals(Kind.AUTHENTICATION, kind(status(Status.INVALID_ARGUMENT.withDescription(
        "etcdserver: authentication failed, invalid user ID or password")), false));
    assertEquals(Kind.AUTHENTICATION,
        kind(status(Status.UNAUTHENTICATED.withDescription("etcdserver: invalid auth token")), false));
    assertEquals(Kind.AUTHENTICATION,
        kind(status(Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied")), true));
    assertEquals(Kind.AUTHENTICATION,
        kind(status(Status.FAILED_PRECONDITION.withDescription("etcdserver: user name not found")), false));
    assertTrue(!Kind.AUTHENTICATION.retryable());
  }

  @Test
  void deadlinesAndJetcdsOwnExceptions() {
    assertEquals(Kind.TIMEOUT, kind(status(Status.DEADLINE_EXCEEDED), false));
    // The member's own context ran out (etcd passes Go's context error on as UNKNOWN).
    assertEquals(Kind.TIMEOUT, kind(status(Status.UNKNOWN.withDescription("context deadline exceeded")), false));
    assertEquals(Kind.TIMEOUT, kind(status(Status.UNKNOWN.withDescription("context deadline exceeded")), true));
    assertEquals(Kind.TIMEOUT, kind(status(Status.CANCELLED), true));
    // jetcd's keepAliveOnce reports a lease that is gone as its own NOT_FOUND exception.
    assertEquals(Kind.LEASE_NOT_FOUND, kind(EtcdExceptionFactory.toEtcdException(
        Status.NOT_FOUND.withDescription("etcdserver: requested lease not found")), false));
    assertEquals(Kind.INTERNAL, kind(new ClosedClientException("closed"), false));
    assertEquals(Kind.INTERNAL, kind(new IllegalStateException("bug"), false));
  }

  @Test
  void theMessageNamesTheRequestAndTheRootCause() {
    DcsException e = EtcdErrors.classify(status(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused: /127.0.0.1:2379"))), true, "create /service/pg/leader");
    assertTrue(e.getMessage().startsWith("create /service/pg/leader: UNAVAILABLE io exception"), e.getMessage());
    assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
  }

  @Test
  void onlyRefusalsOfTheRequestItselfCountAsAnAnswer() {
    assertTrue(EtcdErrors.serverAnswered(Kind.LEASE_NOT_FOUND));
    assertTrue(EtcdErrors.serverAnswered(Kind.INVALID_REQUEST));
    for (Kind k : new Kind[] {Kind.UNAVAILABLE, Kind.TIMEOUT, Kind.AUTHENTICATION, Kind.INTERNAL}) {
      assertTrue(!EtcdErrors.serverAnswered(k), k.name());
    }
  }
}
