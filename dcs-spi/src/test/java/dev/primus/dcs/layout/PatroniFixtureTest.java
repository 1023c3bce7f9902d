package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Decodes what a real Patroni 3.0.2 cluster wrote to etcd (ttl 20, loop_wait 2, retry_timeout 3,
 * three members on loopback) at five moments of its life. This is what compatibility means.
 */
final class PatroniFixtureTest {
  private static final ClusterPath DEMO = ClusterPath.of("demo");
  static final List<String> FILES = EtcdDump.FILES;

  private static ClusterView view(String file) {
    return PatroniCodec.decode(EtcdDump.load(file), DEMO);
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void everyKeyOfEveryDumpDecodes(String file) {
    ClusterView v = view(file);
    assertAll(
        () -> assertEquals(List.of(), v.invalid(), "nothing Patroni wrote is invalid"),
        () -> assertEquals(List.of("node1", "node2", "node3"), v.members().stream().map(Member::name).toList()),
        () -> assertTrue(v.members().stream().allMatch(m -> m.version() > 0), "no stub members: all wrote keys"),
        () -> assertEquals(Optional.of("7710844693306361226"), v.initialize().map(i -> i.value())),
        () -> assertEquals(11L, v.initialize().get().version()),
        () -> assertTrue(v.config().isPresent()),
        () -> assertTrue(v.config().get().version() >= 12, "config's version is its mod_revision"),
        () -> assertTrue(v.leader().isPresent()),
        () -> assertEquals(ConnectionState.CONNECTED, v.connection()));
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void leaderKeyAndLeaderMemberShareOneLease(String file) {
    ClusterView v = view(file);
    Member leader = v.leaderMember().orElseThrow();
    assertEquals(leader.leaseId(), v.leader().get().leaseId());
    assertEquals(MemberRole.PRIMARY, leader.status().role(), "Patroni 3.0.2's 'master' reads as primary");
  }

  @ParameterizedTest
  @FieldSource("FILES")
  void everyMemberValueReencodesToTheSameStatus(String file) {
    for (Member m : view(file).members()) {
      String again = PatroniCodec.encodeMember(m.status());
      assertEquals(m.status(), PatroniCodec.decodeMember("k", again, 1).toOptional().orElseThrow(), m.name());
      assertEquals(again, PatroniCodec.encodeMember(
          PatroniCodec.decodeMember("k", again, 1).toOptional().orElseThrow()), "encoding is a fixed point");
    }
  }

  @Test
  void bootstrapped() {
    ClusterView v = view("01-bootstrapped.json");
    assertEquals("node2", v.leader().get().holder());
    assertEquals(13, v.leader().get().version());
    MemberStatus node2 = v.member("node2").orElseThrow().status();
    assertEquals(new MemberStatus("postgres://127.0.0.1:54322/postgres", "http://127.0.0.1:8009/patroni",
        MemberState.RUNNING, MemberRole.PRIMARY, Optional.of("3.0.2"), Optional.of(67108864L), Optional.of(1L),
        Optional.empty(), Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(),
        Optional.empty(), false, Map.of()), node2);
    MemberStatus node1 = v.member("node1").orElseThrow().status();
    assertEquals(MemberRole.REPLICA, node1.role());
    assertEquals("http://127.0.0.1:8008/patroni", node1.apiUrl());
    assertEquals(20, v.member("node2").get().version());

    DynamicConfig c = v.config().get().value();
    assertAll(
        () -> assertEquals(Duration.ofSeconds(20), c.ttl()),
        () -> assertEquals(Duration.ofSeconds(2), c.loopWait()),
        () -> assertEquals(Duration.ofSeconds(3), c.retryTimeout()),
        () -> assertEquals(1048576, c.maximumLagOnFailover()),
        () -> assertTrue(c.usePgRewind()),
        () -> assertTrue(c.useSlots()),
        () -> assertEquals(100, c.postgresqlParameters().get("max_connections")),
        () -> assertEquals("128MB", c.postgresqlParameters().get("wal_keep_size")),
        () -> assertFalse(c.pause()),
        () -> assertFalse(v.paused()));
    assertEquals(67108864, v.status().optime());
    assertEquals(TimelineHistory.EMPTY, v.history());
    assertEquals(Optional.empty(), v.failover());
    assertEquals(Optional.empty(), v.sync());
  }

  @Test
  void paused() {
    ClusterView v = view("02-paused.json");
    assertTrue(v.paused());
    assertEquals(30, v.config().get().version());
    assertTrue(v.members().stream().allMatch(m -> m.status().pause()), "every member echoes pause");
  }

  @Test
  void pendingRestart() {
    ClusterView v = view("03-pending-restart.json");
    assertTrue(v.members().stream().allMatch(m -> m.status().pendingRestart()));
    assertEquals(101, v.config().get().value().postgresqlParameters().get("max_connections"));
    assertEquals(67108960, v.status().optime());
    assertEquals(67108960L, v.member("node3").get().status().xlogLocation().orElseThrow());
  }

  @Test
  void scheduledSwitchover() {
    ClusterView v = view("04-scheduled-switchover.json");
    FailoverRequest f = v.pendingFailover().orElseThrow().value();
    assertEquals(Optional.of("node2"), f.leader());
    assertEquals(Optional.of("node1"), f.candidate(), "the wire field 'member' is the candidate");
    assertEquals(Optional.of(OffsetDateTime.of(2026, 11, 22, 5, 16, 0, 0, ZoneOffset.UTC)), f.scheduledAt());
    assertEquals(54, v.failover().get().version());
    Snapshot s = EtcdDump.load("04-scheduled-switchover.json");
    assertEquals(EtcdDump.raw(s, DEMO.failover()), PatroniCodec.encodeFailover(f),
        "we write a switchover exactly as patronictl did");
  }

  @Test
  void afterSwitchover() {
    Snapshot s = EtcdDump.load("05-after-switchover.json");
    ClusterView v = PatroniCodec.decode(s, DEMO);
    assertTrue(v.failover().isPresent(), "the failover key is kept, cleared to {}");
    assertTrue(v.failover().get().value().isEmpty());
    assertEquals(Optional.empty(), v.pendingFailover());
    assertEquals(66, v.failover().get().version());

    assertEquals(List.of(new TimelineHistory.Entry(1, 67109256, "no recovery target specified",
        Optional.of("2026-11-22T04:16:03.398029+00:00"), Optional.of("node1"))), v.history().entries());
    assertEquals(2, v.history().currentTimeline());
    assertEquals(EtcdDump.raw(s, DEMO.history()), PatroniCodec.encodeHistory(v.history()));

    assertEquals("node1", v.leader().get().holder());
    assertEquals(Optional.of("lease-node1"), v.leader().get().leaseId());
    assertEquals(MemberRole.PRIMARY, v.member("node1").get().status().role());
    assertEquals(Optional.of(2L), v.member("node2").get().status().timeline());
    assertFalse(v.member("node2").get().status().pendingRestart(), "node2 restarted during the switchover");
    assertEquals(EtcdDump.raw(s, DEMO.status()), PatroniCodec.encodeStatus(v.status()));
    assertEquals("{}", PatroniCodec.encodeFailover(FailoverRequest.EMPTY));
  }

  @Test
  void base64DumpsAsTheEtcdGatewayReturnsThemLoadTheSame() throws Exception {
    Snapshot plain = EtcdDump.load("05-after-switchover.json");
    StringBuilder json = new StringBuilder("[");
    for (KeyValue kv : plain.entries()) {
      json.append(json.length() > 1 ? "," : "").append("{\"key\":\"").append(b64(kv.key()))
          .append("\",\"value\":\"").append(b64(kv.value())).append("\",\"lease\":").append(kv.leaseId().isPresent())
          .append(",\"mod_revision\":").append(kv.version()).append("}");
    }
    Snapshot decoded = EtcdDump.parse(json.append("]").toString());
    assertEquals(plain.entries(), decoded.entries());
    assertEquals(PatroniCodec.decode(plain, DEMO), PatroniCodec.decode(decoded, DEMO));
  }

  private static String b64(String s) {
    return java.util.Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
