package dev.primus.runner.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.LeaderLock;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.model.Versioned;
import dev.primus.dcs.spi.ConnectionState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The recorded Patroni 3.0.2 answers and DCS contents (copied under src/test/resources/fixtures), and
 * a cluster view decoded from them. The decoding here is a test helper only, good for these fixtures;
 * the real codec lives in dcs-spi.
 */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String ROOT = "/fixtures/patroni-3.0.2/";

  private Fixtures() {}

  static String text(String relative) {
    try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + relative)) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + relative);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The status code of a recorded REST answer, e.g. {@code rest("leader-GET-primary")}. */
  static int status(String name) {
    String line = text("rest/" + name + ".headers").lines().findFirst().orElseThrow();
    return Integer.parseInt(line.split(" ")[1]);
  }

  static String body(String name) {
    return text("rest/" + name + ".body");
  }

  static Object json(String name) {
    try {
      return JSON.readValue(body(name), Object.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> jsonObject(String name) {
    return (Map<String, Object>) json(name);
  }

  /** The cluster as the etcd3 fixture's keys describe it. */
  @SuppressWarnings("unchecked")
  static ClusterView cluster(String etcdFixture) {
    List<Map<String, Object>> keys;
    try {
      keys = JSON.readValue(text("etcd3/" + etcdFixture), List.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    Optional<Versioned<String>> initialize = Optional.empty();
    Optional<Versioned<DynamicConfig>> config = Optional.empty();
    Optional<LeaderLock> leader = Optional.empty();
    Optional<Versioned<FailoverRequest>> failover = Optional.empty();
    ClusterStatus status = ClusterStatus.EMPTY;
    List<Member> members = new ArrayList<>();
    try {
      for (Map<String, Object> k : keys) {
        String key = ((String) k.get("key")).substring("/service/demo/".length());
        String value = (String) k.get("value");
        long version = ((Number) k.get("mod_revision")).longValue();
        Optional<String> lease = Boolean.TRUE.equals(k.get("lease")) ? Optional.of("lease-1") : Optional.empty();
        if (key.equals("initialize")) {
          initialize = Optional.of(new Versioned<>(value, version));
        } else if (key.equals("config")) {
          config = Optional.of(new Versioned<>(new DynamicConfig(JSON.readValue(value, Map.class)), version));
        } else if (key.equals("leader")) {
          leader = Optional.of(new LeaderLock(value, version, lease));
        } else if (key.equals("status")) {
          Map<String, Object> s = JSON.readValue(value, Map.class);
          status = new ClusterStatus(((Number) s.get("optime")).longValue(), Map.of(), List.of());
        } else if (key.equals("failover")) {
          Map<String, Object> f = JSON.readValue(value, Map.class);
          failover = Optional.of(new Versioned<>(new FailoverRequest(Optional.ofNullable((String) f.get("leader")),
              Optional.ofNullable((String) f.get("member")),
              Optional.ofNullable((String) f.get("scheduled_at")).map(OffsetDateTime::parse)), version));
        } else if (key.startsWith("members/")) {
          Map<String, Object> m = JSON.readValue(value, Map.class);
          members.add(new Member(key.substring("members/".length()), member(m), version, lease));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return new ClusterView(initialize, config, leader, members, failover, Optional.empty(), TimelineHistory.EMPTY,
        status, Optional.empty(), List.of(), ConnectionState.CONNECTED);
  }

  static MemberStatus member(Map<String, Object> m) {
    return new MemberStatus((String) m.get("conn_url"), (String) m.get("api_url"),
        MemberState.fromWire((String) m.get("state")), MemberRole.fromWire((String) m.get("role")),
        Optional.ofNullable((String) m.get("version")), optLong(m.get("xlog_location")), optLong(m.get("timeline")),
        Optional.ofNullable((String) m.get("replication_state")), optLong(m.get("receive_lsn")),
        optLong(m.get("replay_lsn")), Tags.NONE, Boolean.TRUE.equals(m.get("pending_restart")), Map.of(),
        Optional.empty(), Optional.empty(), false, Map.of());
  }

  private static Optional<Long> optLong(Object o) {
    return o == null ? Optional.empty() : Optional.of(((Number) o).longValue());
  }
}
