package dev.primus.dcs.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;

/**
 * Lets one {@code LeaseKeepAlive} stream carry one request.
 *
 * <p>jetcd 0.8's {@code keepAliveOnce} writes its request when the stream opens and writes it again when
 * it ends the stream after the answer ({@code end(request)} instead of {@code end()}), so every renewal
 * reached etcd twice: two lease renewals, two answers, twice the idle DCS traffic (bench/failover counted
 * 2 {@code LeaseKeepAlive} messages per call). The store never uses jetcd's long-lived keep-alive stream,
 * only {@code keepAliveOnce}, so any message after the first on such a stream is that repeat and is
 * dropped here; the half-close still goes out, and the stream ends after the one answer as intended.
 */
final class KeepAliveOnceInterceptor implements ClientInterceptor {
  static final String KEEP_ALIVE_METHOD = "etcdserverpb.Lease/LeaseKeepAlive";

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    ClientCall<Q, R> call = next.newCall(method, options);
    if (!KEEP_ALIVE_METHOD.equals(method.getFullMethodName())) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      // gRPC calls sendMessage from one thread at a time per call (ClientCall is not thread-safe).
      private boolean sent;

      @Override
      public void sendMessage(Q message) {
        if (sent) {
          return;
        }
        sent = true;
        super.sendMessage(message);
      }
    };
  }
}
