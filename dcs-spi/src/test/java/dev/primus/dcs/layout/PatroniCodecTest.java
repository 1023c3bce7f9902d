package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterStatus;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.DynamicConfig;
import dev.primus.dcs.model.FailoverRequest;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.model.Member;
import dev.primus.dcs.model.MemberRole;
import dev.primus.dcs.model.MemberState;
import dev.primus.dcs.model.MemberStatus;
import dev.primus.dcs.model.MemberStatus.PendingChange;
import dev.primus.dcs.model.MemberStatus.ScheduledRestart;
import dev.primus.dcs.model.SyncState;
import dev.primus.dcs.model.SynchronousMode;
import dev.primus.dcs.model.Tags;
import dev.primus.dcs.model.TimelineHistory;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips, legacy forms, deterministic output and garbage handling for every key. */
final class PatroniCodecTest {
  private static final ClusterPath DEMO = ClusterPath.of("demo");

  // ================================================================= round trips

  static MemberStatus fullMember() {
    Map<String, Object> tagsAll = new LinkedHashMap<>();
    tagsAll.put("nofailover", false);
    tagsAll.put("noloadbalance", true);
    tagsAll.put("clonefrom", true);
    tagsAll.put("replicatefrom", "node1");
    tagsAll.put("nosync", true);
    tagsAll.put("nostream", false);
    tagsAll.put("failover_priority", 3);
    tagsAll.put("zone", "eu-1");
    Tags tags = new Tags(false, true, true, Optional.of("node1"), true, false, 3, tagsAll);
    return new MemberStatus("postgres://10.0.0.2:5432/postgres", "http://10.0.0.2:8008/patroni", MemberState.RUNNING,
        MemberRole.REPLICA, Optional.of("4.1.4"), Optional.of(100_000L), Optional.of(3L), Optional.of("streaming"),
        Optional.of(100_200L), Optional.of(100_100L), tags, true,
        Map.of("max_connections", new PendingChange("100", "200")),
        Optional.of(new ScheduledRestart("2026-11-22T05:16:00+00:00", Optional.of("2026-11-22 04:00:00.1+00"),
            Map.of("restart_pending", true))),
        Optional.of("http://proxy:8080"), true, Map.of("checkpoint_after_promote", false, "dcs_last_seen", 1700000000));
  }

  @Test
  void memberRoundTripsEveryField() {
    MemberStatus s = fullMember();
    String json = PatroniCodec.encodeMember(s);
    assertEquals(s, valid(PatroniCodec.decodeMember("/service/demo/members/n", json, 7)));
    assertTrue(json.startsWith("{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":"), json);
    assertTrue(json.contains("\"pending_restart_reason\":{\"max_connections\":{\"old_value\":\"100\",\"new_value\":\"200\"}}"), json);
    assertTrue(json.contains("\"checkpoint_after_promote\":false"), "unknown fields are written back: " + json);
    assertTrue(json.contains("\"tags\":{\"clonefrom\":true,\"failover_priority\":3,"), json);
  }

  @Test
  void memberOmitsEmptyOptionalFields() {
    MemberStatus bare = new MemberStatus("postgres://h:5432/postgres", "http://h:8008/patroni", MemberState.STOPPED,
        MemberRole.UNINITIALIZED, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Tags.NONE, false, Map.of(), Optional.empty(), Optional.empty(), false,
        Map.of());
    assertEquals("{\"conn_url\":\"postgres://h:5432/postgres\",\"api_url\":\"http://h:8008/patroni\","
        + "\"state\":\"stopped\",\"role\":\"uninitialized\"}", PatroniCodec.encodeMember(bare));
  }

  @Test
  void memberKeepsUnknownFieldsAndReadsMasterAsPrimary() {
    String raw = "{\"conn_url\":\"postgres://h/postgres\",\"api_url\":\"http://h/patroni\",\"state\":\"running\","
        + "\"role\":\"master\",\"future_field\":{\"b\":[1,2],\"a\":null},\"gone\":null}";
    MemberStatus s = valid(PatroniCodec.decodeMember("k", raw, 1));
    assertEquals(MemberRole.PRIMARY, s.role());
    assertEquals(Map.of("future_field", mapOf("b", List.of(1, 2), "a", null)), s.extra());
    String again = PatroniCodec.encodeMember(s);
    assertTrue(again.contains("\"role\":\"primary\""), again);
    assertTrue(again.endsWith(",\"future_field\":{\"a\":null,\"b\":[1,2]}}"), again);
  }

  @Test
  void tagsFollowPatroniRules() {
    Tags explicit = tags("{\"nofailover\":true,\"failover_priority\":5}");
    assertTrue(explicit.noFailover());
    assertEquals(0, explicit.failoverPriority(), "nofailover overrides failover_priority");
    Tags zero = tags("{\"failover_priority\":0}");
    assertTrue(zero.noFailover(), "without nofailover, a non-positive priority means no failover");
    Tags text = tags("{\"failover_priority\":\"2\",\"nosync\":1,\"noloadbalance\":\"\"}");
    assertEquals(2, text.failoverPriority());
    assertTrue(text.noSync(), "Python truthiness");
    assertFalse(text.noLoadBalance(), "an empty string is falsy");
    assertEquals(Tags.DEFAULT_FAILOVER_PRIORITY, tags("{}").failoverPriority());
  }

  @Test
  void tagsBuiltFromTypedFieldsAreWrittenSoTheyReadBack() {
    for (Tags t : List.of(
        new Tags(true, false, false, Optional.empty(), false, false, 0, Map.of()),
        new Tags(false, true, true, Optional.of("n1"), true, true, 7, Map.of("custom", "x")),
        new Tags(false, false, false, Optional.empty(), false, false, 0, Map.of()),
        new Tags(false, false, false, Optional.empty(), false, false, 1, Map.of("failover_priority", "junk")))) {
      String json = PatroniCodec.encodeMember(member(t));
      Tags back = valid(PatroniCodec.decodeMember("k", json, 1)).tags();
      assertAll(t.toString(),
          () -> assertEquals(t.noFailover(), back.noFailover()),
          () -> assertEquals(t.failoverPriority(), back.failoverPriority()),
          () -> assertEquals(t.noLoadBalance(), back.noLoadBalance()),
          () -> assertEquals(t.cloneFrom(), back.cloneFrom()),
          () -> assertEquals(t.replicateFrom(), back.replicateFrom()),
          () -> assertEquals(t.noSync(), back.noSync()),
          () -> assertEquals(t.noStream(), back.noStream()));
    }
    assertEquals("{\"conn_url\":\"\",\"api_url\":\"\",\"state\":\"unknown\",\"role\":\"unknown\",\"tags\":{\"nofailover\":true}}",
        PatroniCodec.encodeMember(member(new Tags(true, false, false, Optional.empty(), false, false, 0, Map.of()))));
  }

  @Test
  void configRoundTripsWithSortedKeys() {
    Map<String, Object> pg = new LinkedHashMap<>();
    pg.put("use_pg_rewind", true);
    pg.put("parameters", mapOf("max_connections", 100, "wal_level", "replica"));
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("ttl", 30);
    values.put("loop_wait", 10);
    values.put("postgresql", pg);
    values.put("synchronous_mode", "quorum");
    values.put("slots", mapOf("keep", mapOf("type", "physical")));
    values.put("standby_cluster", null);
    values.put("ratio", 0.5);
    DynamicConfig c = new DynamicConfig(values);
    String json = PatroniCodec.encodeConfig(c);
    assertEquals("{\"loop_wait\":10,\"postgresql\":{\"parameters\":{\"max_connections\":100,\"wal_level\":\"replica\"},"
        + "\"use_pg_rewind\":true},\"ratio\":0.5,\"slots\":{\"keep\":{\"type\":\"physical\"}},\"standby_cluster\":null,"
        + "\"synchronous_mode\":\"quorum\",\"ttl\":30}", json);
    DynamicConfig back = valid(PatroniCodec.decodeConfig("k", json, 1));
    assertEquals(c, back);
    assertEquals(SynchronousMode.QUORUM, back.synchronousMode());
  }

  @Test
  void configAcceptsNumericStringsAndPatroniBooleans() {
    DynamicConfig c = valid(PatroniCodec.decodeConfig("k",
        "{\"ttl\":\"25\",\"loop_wait\":5.0,\"pause\":\"on\",\"failsafe_mode\":1,\"check_timeline\":\"0\","
            + "\"synchronous_mode\":\"1\",\"member_slots_ttl\":\"30min\",\"postgresql\":{\"use_slots\":\"false\"}}", 1));
    assertAll(
        () -> assertEquals(Duration.ofSeconds(25), c.ttl()),
        () -> assertEquals(Duration.ofSeconds(5), c.loopWait()),
        () -> assertTrue(c.pause()),
        () -> assertTrue(c.failsafeMode()),
        () -> assertFalse(c.checkTimeline()),
        () -> assertEquals(SynchronousMode.ON, c.synchronousMode()),
        () -> assertEquals(Duration.ofMinutes(30), c.memberSlotsTtl()),
        () -> assertFalse(c.useSlots()));
    assertEquals(Duration.ofHours(1), valid(PatroniCodec.decodeConfig("k", "{\"member_slots_ttl\":\"1h\"}", 1)).memberSlotsTtl());
    assertEquals(Duration.ofSeconds(90), valid(PatroniCodec.decodeConfig("k", "{\"member_slots_ttl\":90}", 1)).memberSlotsTtl());
  }

  @Test
  void failoverRoundTrips() {
    OffsetDateTime at = OffsetDateTime.of(2026, 11, 22, 5, 16, 0, 123_456_000, ZoneOffset.ofHours(2));
    for (FailoverRequest f : List.of(FailoverRequest.EMPTY,
        new FailoverRequest(Optional.of("node2"), Optional.of("node1"), Optional.of(at)),
        new FailoverRequest(Optional.empty(), Optional.of("node3"), Optional.empty()),
        new FailoverRequest(Optional.of("node2"), Optional.empty(), Optional.empty()))) {
      assertEquals(f, valid(PatroniCodec.decodeFailover("k", PatroniCodec.encodeFailover(f), 1)));
    }
    assertEquals("{\"leader\":\"node2\",\"member\":\"node1\",\"scheduled_at\":\"2026-11-22T05:16:00.123456+02:00\"}",
        PatroniCodec.encodeFailover(new FailoverRequest(Optional.of("node2"), Optional.of("node1"), Optional.of(at))));
  }

  @Test
  void failoverReadsPatroniTimestampForms() {
    OffsetDateTime expected = OffsetDateTime.of(2016, 1, 14, 10, 9, 57, 139_400_000, ZoneOffset.UTC);
    for (String ts : List.of("2016-01-14T10:09:57.1394Z", "2016-01-14T10:09:57.1394+00:00",
        "2016-01-14 10:09:57.1394+00:00", "2016-01-14T10:09:57.1394+0000", "2016-01-14T10:09:57.1394+00")) {
      FailoverRequest f = valid(PatroniCodec.decodeFailover("k", "{\"scheduled_at\":\"" + ts + "\"}", 1));
      assertEquals(Optional.of(expected), f.scheduledAt().map(t -> t.withOffsetSameInstant(ZoneOffset.UTC)), ts);
    }
  }

  @Test
  void failoverEmptyForms() {
    for (String raw : List.of("{}", "", "null", "{\"leader\":\"\",\"member\":\"\",\"scheduled_at\":\"\"}")) {
      FailoverRequest f = valid(PatroniCodec.decodeFailover("k", raw, 1));
      assertTrue(f.isEmpty(), raw);
      assertEquals(Optional.empty(), f.scheduledAt(), raw);
    }
  }

  @Test
  void legacyFailoverString() {
    assertEquals(new FailoverRequest(Optional.of("node1"), Optional.of("node2"), Optional.empty()),
        valid(PatroniCodec.decodeFailover("k", "node1:node2", 1)));
    assertEquals(new FailoverRequest(Optional.empty(), Optional.of("node2"), Optional.empty()),
        valid(PatroniCodec.decodeFailover("k", ":node2", 1)));
    assertEquals(new FailoverRequest(Optional.of("node1"), Optional.empty(), Optional.empty()),
        valid(PatroniCodec.decodeFailover("k", " node1 ", 1)));
  }

  @Test
  void syncRoundTrips() {
    SyncState s = new SyncState(Optional.of("node0"), 1, List.of("node1", "node2"));
    String json = PatroniCodec.encodeSync(s);
    assertEquals("{\"leader\":\"node0\",\"quorum\":1,\"sync_standby\":\"node1,node2\"}", json);
    assertEquals(s, valid(PatroniCodec.decodeSync("k", json, 1)));
    SyncState none = new SyncState(Optional.of("node0"), 0, List.of());
    assertEquals("{\"leader\":\"node0\",\"quorum\":0,\"sync_standby\":null}", PatroniCodec.encodeSync(none));
    assertEquals(none, valid(PatroniCodec.decodeSync("k", PatroniCodec.encodeSync(none), 1)));
    assertEquals(List.of("a", "b"), valid(PatroniCodec.decodeSync("k", "{\"leader\":\"x\",\"sync_standby\":\" a, ,b \"}", 1)).syncStandbys());
    assertEquals(0, valid(PatroniCodec.decodeSync("k", "{\"quorum\":2}", 1)).quorum(), "no leader, no quorum");
    assertEquals(new SyncState(Optional.empty(), 0, List.of()), valid(PatroniCodec.decodeSync("k", "{}", 1)));
  }

  @Test
  void statusRoundTripsAndReadsTheLegacyForms() {
    ClusterStatus s = new ClusterStatus(67109536, Map.of("node2", 67109000L, "keep", 67100000L), List.of("node2", "node3"));
    String json = PatroniCodec.encodeStatus(s);
    assertEquals("{\"optime\":67109536,\"slots\":{\"keep\":67100000,\"node2\":67109000},\"retain_slots\":[\"node2\",\"node3\"]}", json);
    assertEquals(s, valid(PatroniCodec.decodeStatus("k", json, 1)));
    assertEquals(new ClusterStatus(42, Map.of(), List.of()), valid(PatroniCodec.decodeStatus("k", "42", 1)));
    assertEquals(67108864L, valid(PatroniCodec.decodeLeaderOptime("k", PatroniCodec.encodeLeaderOptime(67108864), 1)));
  }

  @Test
  void legacyOptimeKeyFeedsTheStatusWhenThereIsNone() {
    Snapshot s = snapshot(Map.of(DEMO.leaderOptime(), "12345"));
    assertEquals(12345, PatroniCodec.decode(s, DEMO).status().optime());
    Snapshot both = snapshot(Map.of(DEMO.leaderOptime(), "12345", DEMO.status(), "{\"optime\":99999}"));
    assertEquals(99999, PatroniCodec.decode(both, DEMO).status().optime(), "status wins over the legacy key");
  }

  @Test
  void historyRoundTripsEntriesOfThreeFourAndFiveElements() {
    TimelineHistory h = new TimelineHistory(List.of(
        new TimelineHistory.Entry(1, 100, "no recovery target specified", Optional.empty(), Optional.empty()),
        new TimelineHistory.Entry(2, 200, "r2", Optional.of("2026-01-01T00:00:00+00:00"), Optional.empty()),
        new TimelineHistory.Entry(3, 300, "r3", Optional.of("2026-01-02T00:00:00+00:00"), Optional.of("node2")),
        new TimelineHistory.Entry(4, 400, "r4", Optional.empty(), Optional.of("node3"))));
    String json = PatroniCodec.encodeHistory(h);
    assertEquals("[[1,100,\"no recovery target specified\"],[2,200,\"r2\",\"2026-01-01T00:00:00+00:00\"],"
        + "[3,300,\"r3\",\"2026-01-02T00:00:00+00:00\",\"node2\"],[4,400,\"r4\",null,\"node3\"]]", json);
    assertEquals(h, valid(PatroniCodec.decodeHistory("k", json, 1)));
    assertEquals(5, h.currentTimeline());
    assertEquals(TimelineHistory.EMPTY, valid(PatroniCodec.decodeHistory("k", "[]", 1)));
    assertEquals(3L, valid(PatroniCodec.decodeHistory("k", "[[\"3\",\"2\",\"1\"]]", 1)).entries().get(0).timeline(),
        "numeric strings, as Patroni's int() accepts");
  }

  @Test
  void failsafeLeaderAndInitializeRoundTrip() {
    Map<String, String> fs = Map.of("postgres-1", "http://127.0.0.1:8009/patroni", "postgres-0", "http://127.0.0.1:8008/patroni");
    String json = PatroniCodec.encodeFailsafe(fs);
    assertEquals("{\"postgres-0\":\"http://127.0.0.1:8008/patroni\",\"postgres-1\":\"http://127.0.0.1:8009/patroni\"}", json);
    assertEquals(fs, valid(PatroniCodec.decodeFailsafe("k", json, 1)));
    assertEquals("node1", valid(PatroniCodec.decodeLeader("k", PatroniCodec.encodeLeader("node1"), 1)));
    assertEquals("", valid(PatroniCodec.decodeInitialize("k", PatroniCodec.encodeInitialize(""), 1)));
    assertEquals("7710844693306361226", valid(PatroniCodec.decodeInitialize("k", "7710844693306361226", 1)));
    assertThrows(IllegalArgumentException.class, () -> PatroniCodec.encodeLeader("a/b"));
    assertThrows(IllegalArgumentException.class, () -> PatroniCodec.encodeInitialize("sysid"));
  }

  // ================================================================= legacy member form

  @Test
  void legacyPlainConnectionUrlMember() {
    MemberStatus s = valid(PatroniCodec.decodeMember("k",
        "postgres://replicator:secret@10.0.0.1:5432/postgres?application_name=http://10.0.0.1:8008/patroni", 3));
    assertEquals("postgres://replicator:secret@10.0.0.1:5432/postgres", s.connUrl());
    assertEquals("http://10.0.0.1:8008/patroni", s.apiUrl());
    assertEquals(MemberRole.UNKNOWN, s.role());
    assertEquals(MemberState.UNKNOWN, s.state());

    MemberStatus escaped = valid(PatroniCodec.decodeMember("k",
        "postgresql://h:5432/postgres?sslmode=require&application_name=http%3A%2F%2Fh%3A8008%2Fpatroni", 3));
    assertEquals("postgresql://h:5432/postgres", escaped.connUrl());
    assertEquals("http://h:8008/patroni", escaped.apiUrl());
    assertEquals("", valid(PatroniCodec.decodeMember("k", "postgres://h/postgres", 1)).apiUrl());
  }

  // ================================================================= determinism

  @Test
  void equalValuesGiveEqualBytesWhateverTheMapOrder() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("ttl", 30);
    a.put("postgresql", mapOf("x", 1, "y", 2));
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("postgresql", mapOf("y", 2, "x", 1));
    b.put("ttl", 30);
    assertEquals(new DynamicConfig(a), new DynamicConfig(b));
    assertEquals(PatroniCodec.encodeConfig(new DynamicConfig(a)), PatroniCodec.encodeConfig(new DynamicConfig(b)));

    MemberStatus m1 = fullMember();
    MemberStatus m2 = valid(PatroniCodec.decodeMember("k", PatroniCodec.encodeMember(m1), 1));
    assertEquals(PatroniCodec.encodeMember(m1), PatroniCodec.encodeMember(m2));
    assertEquals(PatroniCodec.encodeStatus(new ClusterStatus(1, Map.of("a", 1L, "b", 2L), List.of())),
        PatroniCodec.encodeStatus(new ClusterStatus(1, Map.of("b", 2L, "a", 1L), List.of())));
  }

  @Test
  void nonAsciiIsEscapedAsPythonDoes() {
    String json = PatroniCodec.encodeConfig(new DynamicConfig(Map.of("comment", "café")));
    assertEquals("{\"comment\":\"caf\\u00e9\"}", json);
    assertEquals("café", valid(PatroniCodec.decodeConfig("k", json, 1)).values().get("comment"));
  }

  @Test
  void encodingRejectsValuesJsonCannotHold() {
    DynamicConfig bad = new DynamicConfig(Map.of("when", java.time.Instant.EPOCH));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PatroniCodec.encodeConfig(bad));
    assertTrue(e.getMessage().contains("when"), e.getMessage());
  }

  // ================================================================= garbage

  /** A garbage value for one key of fixture 05, and a fragment the reason must contain. */
  static Stream<Arguments> garbage() {
    return Stream.of(
        Arguments.of("leader", "", "member name"),
        Arguments.of("leader", "node/1", "member name"),
        Arguments.of("members/node2", "{not json", "not JSON"),
        Arguments.of("members/node2", "[1,2]", "expected a JSON object"),
        Arguments.of("members/node2", "{\"timeline\":\"two\"}", "timeline: expected an integer"),
        Arguments.of("members/node2", "{\"conn_url\":5}", "conn_url: expected a string"),
        Arguments.of("members/node2", "{\"tags\":[]}", "tags: expected a JSON object"),
        Arguments.of("members/node2", "{\"tags\":{\"failover_priority\":\"high\"}}", "tags.failover_priority"),
        Arguments.of("members/node2", "{\"pending_restart\":\"perhaps\"}", "pending_restart: expected true or false"),
        Arguments.of("members/node2", "{\"scheduled_restart\":{}}", "scheduled_restart.schedule: missing"),
        Arguments.of("members/node2", "{\"xlog_location\":1}trailing", "not JSON"),
        Arguments.of("config", "not json at all", "not JSON"),
        Arguments.of("config", "[]", "expected a JSON object"),
        Arguments.of("config", "{\"ttl\":\"abc\"}", "ttl: expected an integer"),
        Arguments.of("config", "{\"loop_wait\":true}", "loop_wait: expected an integer"),
        Arguments.of("config", "{\"maximum_lag_on_failover\":1.5}", "maximum_lag_on_failover"),
        Arguments.of("config", "{\"pause\":\"maybe\"}", "pause: expected true or false"),
        Arguments.of("config", "{\"synchronous_mode\":\"sometimes\"}", "synchronous_mode"),
        Arguments.of("config", "{\"postgresql\":{\"use_pg_rewind\":[]}}", "postgresql.use_pg_rewind"),
        Arguments.of("config", "{\"postgresql\":{\"parameters\":\"x\"}}", "postgresql.parameters"),
        Arguments.of("config", "{\"postgresql\":3}", "postgresql: expected a JSON object"),
        Arguments.of("config", "{\"member_slots_ttl\":\"soon\"}", "member_slots_ttl"),
        Arguments.of("initialize", "abc", "system identifier"),
        Arguments.of("failover", "{broken", "not JSON"),
        Arguments.of("failover", "a:b:c", "leader:candidate"),
        Arguments.of("failover", "[\"node1\"]", "expected a JSON object"),
        Arguments.of("failover", "{\"leader\":5}", "leader: expected a string"),
        Arguments.of("failover", "{\"scheduled_at\":\"tomorrow\"}", "scheduled_at: not an ISO-8601 timestamp"),
        Arguments.of("failover", "{\"scheduled_at\":\"2026-11-22T05:16:00\"}", "scheduled_at: timestamp has no UTC offset"),
        Arguments.of("sync", "{\"leader\":\"node1\",\"quorum\":\"x\"}", "quorum: expected an integer"),
        Arguments.of("sync", "{\"leader\":\"node1\",\"quorum\":-1}", "quorum"),
        Arguments.of("sync", "{\"sync_standby\":[\"a\"]}", "sync_standby: expected a string"),
        Arguments.of("sync", "[]", "expected a JSON object"),
        Arguments.of("status", "{\"optime\":\"x\"}", "optime: expected an integer"),
        Arguments.of("status", "{\"slots\":{\"s\":\"x\"}}", "slots.s"),
        Arguments.of("status", "{\"retain_slots\":[1]}", "retain_slots[0]"),
        Arguments.of("status", "\"67108864\"", "expected a JSON object"),
        Arguments.of("history", "{}", "expected a JSON list"),
        Arguments.of("history", "[[1]]", "[0]: expected 3 to 5 elements"),
        Arguments.of("history", "[[1,2,\"r\"],[\"a\",1,\"r\"]]", "[1][0]: expected an integer"),
        Arguments.of("history", "[[1,2,3]]", "[0][2]: expected a string"),
        Arguments.of("failsafe", "{\"node1\":1}", "node1: expected an api_url string"),
        Arguments.of("failsafe", "[]", "expected a JSON object"),
        Arguments.of("optime/leader", "xyz", "expected an integer LSN"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("garbage")
  void garbageInOneKeyIsReportedAndTheOthersStillDecode(String relative, String raw, String reasonFragment) {
    Snapshot good = EtcdDump.load("05-after-switchover.json");
    String key = DEMO.key(relative);
    long version = 4242;
    List<KeyValue> entries = new ArrayList<>();
    for (KeyValue kv : good.entries()) {
      if (!kv.key().equals(key)) {
        entries.add(kv);
      }
    }
    entries.add(new KeyValue(key, raw, version, Optional.empty()));
    if (!relative.equals("sync")) {
      // The fixture has no sync key; add a good one so that its survival is checked too.
      entries.add(new KeyValue(DEMO.sync(), "{\"leader\":\"node1\",\"sync_standby\":\"node2\"}", 80, Optional.empty()));
    }
    ClusterView v = PatroniCodec.decode(new Snapshot(good.prefix(), entries, 99, ConnectionState.CONNECTED), DEMO);

    assertEquals(1, v.invalid().size(), () -> "exactly the bad key is invalid: " + v.invalid());
    InvalidValue bad = v.invalid().get(0);
    assertEquals(key, bad.key());
    assertEquals(raw, bad.raw());
    assertEquals(version, bad.version(), "the version survives so a writer can still CAS over it");
    assertTrue(bad.reason().contains(reasonFragment), () -> "reason '" + bad.reason() + "' names " + reasonFragment);
    assertEquals(Optional.of(bad), v.invalidKey(key));

    // Everything else is intact.
    assertEquals(List.of("node1", "node2", "node3"), v.members().stream().map(Member::name).toList());
    assertAll(
        () -> assertEquals(!relative.equals("leader"), v.leader().isPresent(), "leader"),
        () -> assertEquals(!relative.equals("config"), v.config().isPresent(), "config"),
        () -> assertEquals(!relative.equals("initialize"), v.initialize().isPresent(), "initialize"),
        () -> assertEquals(!relative.equals("failover"), v.failover().isPresent(), "failover"),
        () -> assertEquals(!relative.equals("sync"), v.sync().isPresent(), "sync"),
        () -> assertEquals(relative.equals("history") ? 0 : 1, v.history().entries().size(), "history"),
        () -> assertEquals(relative.equals("status") ? 0 : 67109536, v.status().optime(), "status"),
        () -> assertEquals(!relative.equals("members/node2"), v.member("node2").get().status().role() == MemberRole.REPLICA,
            "node2"),
        () -> assertEquals(MemberRole.PRIMARY, v.member("node1").get().status().role(), "node1"));
    if (relative.equals("members/node2")) {
      Member node2 = v.member("node2").get();
      assertEquals(MemberStatus.unknown(), node2.status(), "an invalid member is kept, status unknown");
      assertEquals(version, node2.version());
    }
  }

  @Test
  void garbageDecodesToInvalidValueEvenAlone() {
    Decoded<DynamicConfig> d = PatroniCodec.decodeConfig("/service/demo/config", "{\"ttl\":{}}", 5);
    if (!(d instanceof Decoded.Invalid<DynamicConfig> invalid)) {
      throw new AssertionError("expected Invalid, got " + d);
    }
    assertEquals(new InvalidValue("/service/demo/config", "{\"ttl\":{}}", "ttl: expected an integer, got an object", 5),
        invalid.problem());
    assertEquals(Optional.of(invalid.problem()), d.invalid());
    assertFalse(d.isValid());
    assertEquals(Optional.empty(), d.toOptional());
  }

  // ================================================================= the view

  @Test
  void onlyDirectChildrenOfMembersAreMembersAndForeignKeysAreIgnored() {
    Snapshot s = snapshot(Map.of(
        DEMO.member("node1"), "{\"role\":\"replica\"}",
        DEMO.members() + "node1/sub", "{\"role\":\"primary\"}",
        DEMO.key("unknown_key"), "whatever",
        "/service/other/leader", "x",
        "/service/demo/1/leader", "node9"));
    ClusterView v = PatroniCodec.decode(s, DEMO);
    assertEquals(List.of("node1"), v.members().stream().map(Member::name).toList());
    assertEquals(Optional.empty(), v.leader(), "another cluster's and another group's leader are not ours");
    assertEquals(List.of(), v.invalid());
  }

  @Test
  void leaderWithoutMemberKeyGetsAStub() {
    Snapshot s = new Snapshot("/service/demo/", List.of(
        new KeyValue(DEMO.leader(), "ghost", 5, Optional.of("L1")),
        new KeyValue(DEMO.member("node1"), "{\"role\":\"replica\"}", 6, Optional.of("L2"))), 6, ConnectionState.SUSPENDED);
    ClusterView v = PatroniCodec.decode(s, DEMO);
    Member ghost = v.leaderMember().orElseThrow();
    assertEquals(new Member("ghost", MemberStatus.unknown(), -1, Optional.empty()), ghost);
    assertEquals(List.of("ghost", "node1"), v.members().stream().map(Member::name).toList(), "sorted by name");
    assertEquals(ConnectionState.SUSPENDED, v.connection(), "the view carries the snapshot's connection state");
  }

  @Test
  void groupPathsDecodeTheirOwnKeys() {
    ClusterPath g1 = DEMO.withGroup(1);
    Snapshot s = snapshot(Map.of("/service/demo/1/leader", "node9", "/service/demo/leader", "node1",
        "/service/demo/1/members/node9", "{\"role\":\"primary\"}"));
    ClusterView v = PatroniCodec.decode(s, g1);
    assertEquals("node9", v.leader().get().holder());
    assertEquals(MemberRole.PRIMARY, v.leaderMember().get().status().role());
    assertNotEquals(v, PatroniCodec.decode(s, DEMO));
  }

  // ================================================================= helpers

  private static <T> T valid(Decoded<T> d) {
    if (d instanceof Decoded.Valid<T> v) {
      return v.value();
    }
    throw new AssertionError("expected a valid value, got " + d);
  }

  private static Tags tags(String json) {
    return valid(PatroniCodec.decodeMember("k", "{\"tags\":" + json + "}", 1)).tags();
  }

  private static MemberStatus member(Tags t) {
    MemberStatus u = MemberStatus.unknown();
    return new MemberStatus(u.connUrl(), u.apiUrl(), u.state(), u.role(), u.version(), u.xlogLocation(), u.timeline(),
        u.replicationState(), u.receiveLsn(), u.replayLsn(), t, false, Map.of(), Optional.empty(), Optional.empty(),
        false, Map.of());
  }

  private static Map<String, Object> mapOf(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static Snapshot snapshot(Map<String, String> values) {
    List<KeyValue> entries = new ArrayList<>();
    long v = 1;
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(values).entrySet()) {
      entries.add(new KeyValue(e.getKey(), e.getValue(), v++, Optional.empty()));
    }
    return new Snapshot("/service/", entries, v, ConnectionState.CONNECTED);
  }
}
