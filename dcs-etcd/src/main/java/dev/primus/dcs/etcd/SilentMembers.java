package dev.primus.dcs.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.util.ForwardingLoadBalancerHelper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round robin over the etcd members that passes over a member whose calls recently went unanswered.
 *
 * <p>gRPC's round robin keeps a member whose packets are dropped among the "ready" ones until a
 * keep-alive ping goes unanswered (10 s and more), and with several threads sharing the rotation a
 * request's next attempt can land on the same silent member again (measured: all three attempts of
 * one read on the black-holed member). So an interceptor marks the member behind every call that ends
 * in {@code DEADLINE_EXCEEDED} as silent for {@code quarantine} (and clears the mark when a call on it
 * is answered), and the balancer's picker re-picks when round robin offers a silent one; when every
 * member is silent (an election can make every member time out once) it takes the one marked longest
 * ago. A member that answers late is only avoided for a while, never dropped.
 *
 * <p>The balancer is round robin itself, wrapped: it is registered in gRPC's default registry under a
 * name unique to this store (jetcd takes a policy name, not a balancer), and deregistered by
 * {@link #close}.
 */
final class SilentMembers implements AutoCloseable {
  private static final AtomicLong IDS = new AtomicLong();

  private final Map<SocketAddress, Long> silentUntil = new ConcurrentHashMap<>();
  /**
   * The addresses each subchannel was created for, noted on creation: a picker may not ask a subchannel
   * (its getters must run in the channel's synchronization context).
   */
  private final Map<LoadBalancer.Subchannel, List<SocketAddress>> addresses =
      Collections.synchronizedMap(new WeakHashMap<>());
  private final long quarantineNanos;
  private final Provider provider;

  private SilentMembers(Duration quarantine) {
    this.quarantineNanos = quarantine.toNanos();
    this.provider = new Provider("primus_etcd_round_robin_" + IDS.incrementAndGet());
  }

  /** Registers the balancer; pass {@link #policyName()} to jetcd and {@link #interceptor()} too. */
  static SilentMembers register(Duration quarantine) {
    SilentMembers s = new SilentMembers(quarantine);
    LoadBalancerRegistry.getDefaultRegistry().register(s.provider);
    return s;
  }

  String policyName() {
    return provider.getPolicyName();
  }

  ClientInterceptor interceptor() {
    return new Marker();
  }

  /** Marks {@code member} silent from now on, for the quarantine. */
  void markSilent(SocketAddress member) {
    silentUntil.put(member, System.nanoTime() + quarantineNanos);
  }

  boolean isSilent(SocketAddress member) {
    Long until = silentUntil.get(member);
    if (until == null) {
      return false;
    }
    if (System.nanoTime() - until >= 0) {
      silentUntil.remove(member, until);
      return false;
    }
    return true;
  }

  @Override
  public void close() {
    LoadBalancerRegistry.getDefaultRegistry().deregister(provider);
  }

  /** Until when the subchannel's member is passed over (nanoTime), or 0 if it is not. */
  private long silentUntil(LoadBalancer.Subchannel subchannel) {
    List<SocketAddress> of = addresses.get(subchannel);
    if (of == null) {
      return 0;
    }
    for (SocketAddress a : of) {
      if (isSilent(a)) {
        Long until = silentUntil.get(a);
        return until == null ? 0 : until;
      }
    }
    return 0;
  }

  /** A call on {@code member} was answered: it is not silent (any more). */
  void markAnswered(SocketAddress member) {
    silentUntil.remove(member);
  }

  /** Marks the member behind a call that ran into its deadline. */
  private final class Marker implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      ClientCall<Q, R> call = next.newCall(method, options);
      return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              if (status.isOk()) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                if (remote != null) {
                  markAnswered(remote);
                }
              } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                if (remote == null) {
                  remote = remoteOf(status.getDescription());
                }
                if (remote != null) {
                  markSilent(remote);
                }
              }
              super.onClose(status, trailers);
            }
          }, headers);
        }
      };
    }
  }

  /**
   * The member a call that ran into its deadline was open on, from gRPC's description of it
   * ({@code ... [closed=[], open=[[remote_addr=/10.213.0.12:2379]]]}): a call that outlives its deadline
   * does not keep its transport's attributes. Null when the call never reached a transport.
   */
  static InetSocketAddress remoteOf(String description) {
    if (description == null) {
      return null;
    }
    int at = description.lastIndexOf("remote_addr=");
    if (at < 0) {
      return null;
    }
    int start = at + "remote_addr=".length();
    int end = start;
    int brackets = 0;
    for (; end < description.length(); end++) {
      char c = description.charAt(end);
      if (c == '[') {
        brackets++;
      } else if (c == ']' && brackets > 0) {
        brackets--;
      } else if (c == ']' || c == ',' || c == ' ') {
        break;
      }
    }
    String text = description.substring(start, end);
    int slash = text.indexOf('/');
    String hostPort = slash >= 0 ? text.substring(slash + 1) : text;
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      String host = hostPort.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      // A literal address: no name lookup.
      if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
        return null;
      }
      return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (UnknownHostException | RuntimeException e) {
      return null;
    }
  }

  /** Round robin, with its pickers wrapped. */
  private final class Provider extends LoadBalancerProvider {
    private final String name;

    Provider(String name) {
      this.name = name;
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public int getPriority() {
      return 5;
    }

    @Override
    public String getPolicyName() {
      return name;
    }

    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
      LoadBalancerProvider roundRobin = Objects.requireNonNull(
          LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin"), "gRPC's round_robin balancer");
      return roundRobin.newLoadBalancer(new ForwardingLoadBalancerHelper() {
        @Override
        protected LoadBalancer.Helper delegate() {
          return helper;
        }

        @Override
        public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
          LoadBalancer.Subchannel subchannel = super.createSubchannel(args);
          List<SocketAddress> of = new ArrayList<>();
          for (EquivalentAddressGroup group : args.getAddresses()) {
            of.addAll(group.getAddresses());
          }
          addresses.put(subchannel, List.copyOf(of));
          return subchannel;
        }

        @Override
        public void updateBalancingState(ConnectivityState state, LoadBalancer.SubchannelPicker picker) {
          helper.updateBalancingState(state, new Picker(picker));
        }
      });
    }
  }

  /**
   * Re-picks while round robin offers a silent member, at most a few times; when all are silent, takes
   * the one marked longest ago (during an election every member may time out once; the black-holed one
   * keeps timing out and is marked again and again).
   */
  private final class Picker extends LoadBalancer.SubchannelPicker {
    private static final int MAX_REPICKS = 8;
    private final LoadBalancer.SubchannelPicker delegate;

    Picker(LoadBalancer.SubchannelPicker delegate) {
      this.delegate = delegate;
    }

    @Override
    public LoadBalancer.PickResult pickSubchannel(LoadBalancer.PickSubchannelArgs args) {
      LoadBalancer.PickResult first = delegate.pickSubchannel(args);
      if (!silentMembersKnown() || first.getSubchannel() == null) {
        return first;
      }
      long firstUntil = silentUntil(first.getSubchannel());
      if (firstUntil == 0) {
        return first;
      }
      LoadBalancer.PickResult best = first;
      long bestUntil = firstUntil;
      for (int i = 0; i < MAX_REPICKS; i++) {
        LoadBalancer.PickResult next = delegate.pickSubchannel(args);
        if (next.getSubchannel() == null) {
          break;
        }
        long until = silentUntil(next.getSubchannel());
        if (until == 0) {
          return next;
        }
        if (until - bestUntil < 0) {
          best = next;
          bestUntil = until;
        }
      }
      return best;
    }
  }

  private boolean silentMembersKnown() {
    return !silentUntil.isEmpty();
  }
}
