package dev.primus.dcs.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Asks etcd to refuse a request at once ({@code etcdserver: no leader}, UNAVAILABLE) when the member
 * has no leader, instead of holding it until the deadline: etcd's {@code hasleader} metadata, what
 * clientv3's {@code WithRequireLeader} sends and jetcd sends for watches only.
 *
 * <p>A member cut off from the others, or waiting through an election, thus answers quickly and is not
 * mistaken for a silent one ({@link SilentMembers} marks only calls that ran into their deadline); the
 * store redoes the request on another member.
 */
final class RequireLeaderInterceptor implements ClientInterceptor {
  static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        if (!headers.containsKey(HAS_LEADER)) {
          headers.put(HAS_LEADER, "true");
        }
        super.start(listener, headers);
      }
    };
  }
}
