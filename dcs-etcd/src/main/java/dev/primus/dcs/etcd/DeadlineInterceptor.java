package dev.primus.dcs.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Gives every gRPC call but the watch stream a deadline, so a request to a member that stopped
 * answering is cancelled on the wire (and reported as {@code DEADLINE_EXCEEDED}) instead of hanging.
 * The deadline is one attempt's ({@link EtcdKeyValueStore#attemptTimeout}), not the whole retry
 * timeout, so the store has time left to ask another member.
 *
 * <p>jetcd has no per-request deadline option for most calls, hence an interceptor. The watch is
 * exempt because it is meant to stay open; {@code LeaseKeepAlive} is not, because the store only uses
 * {@code keepAliveOnce}, one short stream per call.
 */
final class DeadlineInterceptor implements ClientInterceptor {
  static final String WATCH_METHOD = "etcdserverpb.Watch/Watch";

  private final long millis;

  DeadlineInterceptor(Duration deadline) {
    this.millis = Math.max(1, deadline.toMillis());
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    CallOptions effective = options;
    if (!WATCH_METHOD.equals(method.getFullMethodName())) {
      Deadline mine = Deadline.after(millis, TimeUnit.MILLISECONDS);
      if (options.getDeadline() == null || mine.isBefore(options.getDeadline())) {
        effective = options.withDeadline(mine);
      }
    }
    return next.newCall(method, effective);
  }
}
