package dev.primus.dcs.consul;

import static dev.primus.dcs.consul.ConsulApiDouble.Canned.json;
import static dev.primus.dcs.consul.ConsulApiDouble.Canned.text;
import static dev.primus.dcs.consul.ConsulApiDouble.entry;
import static dev.primus.dcs.consul.ConsulApiDouble.session;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.consul.ConsulApiDouble.Recorded;
import dev.primus.dcs.spi.Capability;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.KeepAliveResult;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Lease;
import dev.primus.dcs.spi.Snapshot;
import dev.primus.dcs.spi.Watchable.WatchOutcome;
import dev.primus.dcs.spi.WriteResult;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request building and response mapping of {@link ConsulKeyValueStore}, against {@link ConsulApiDouble},
 * a test double of Consul's HTTP API that returns canned answers. These tests pin the URLs, parameters,
 * headers and bodies the store sends and how it reads Consul's answers; they do not show that the store
 * works against a real Consul agent (that is {@code ConsulContractIT}'s job).
 */
class ConsulKeyValueStoreRequestTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TTL = Duration.ofSeconds(30);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final String SESSION = "adf4238a-882b-9ddc-4a9d-5b6758e4159e";

  private ConsulApiDouble consul;
  private ConsulKeyValueStore store;
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  @BeforeEach
  void start() throws Exception {
    consul = new ConsulApiDouble();
    store = ConsulKeyValueStore.connect(ConsulConfig.of(consul.endpoint()), TTL, REQUEST_TIMEOUT, clock::get);
  }

  @AfterEach
  void stop() {
    store.close();
    consul.close();
  }

  private ConsulKeyValueStore storeWith(ConsulConfig config) throws Exception {
    store.close();
    store = ConsulKeyValueStore.connect(config, TTL, REQUEST_TIMEOUT, clock::get);
    return store;
  }

  private static ConsulConfig withTokenAndDc(URI endpoint, ConsulConfig.Consistency consistency) {
    return new ConsulConfig(endpoint, Optional.of("s3cr3t-token"), Optional.of("dc2"), consistency, List.of(),
        Optional.empty(), Optional.empty(), Optional.empty(), true);
  }

  private static JsonNode body(Recorded r) throws Exception {
    return JSON.readTree(r.body());
  }

  /**
   * The operation inside one element of a transaction body. consul-client names the wrapper "kv";
   * Consul's decoder matches it case-insensitively to its "KV" field, so either spelling is accepted.
   */
  private static JsonNode kv(JsonNode element) {
    return element.has("KV") ? element.get("KV") : element.path("kv");
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String applied(String... entries) {
    StringBuilder sb = new StringBuilder("{\"Results\":[");
    for (int i = 0; i < entries.length; i++) {
      sb.append(i == 0 ? "" : ",").append("{\"KV\":").append(entries[i]).append('}');
    }
    return sb.append("],\"Errors\":null}").toString();
  }

  private static String rolledBack(String what) {
    return "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"" + what.replace("\"", "\\\"") + "\"}]}";
  }

  // ---------------------------------------------------------------- sessions

  @Test
  void grantCreatesADeleteSessionWithHalfTheTtlAndNoLockDelay() throws Exception {
    consul.on("PUT", "/v1/session/create", json(200, "{\"ID\":\"" + SESSION + "\"}"));

    Lease lease = store.grant(Duration.ofSeconds(30));

    assertEquals(new Lease(SESSION, Duration.ofSeconds(30)), lease, "TTL 15s lives 2 x 15s = the 30s asked");
    JsonNode sent = body(consul.only("PUT", "/v1/session/create"));
    assertAll("session create body " + sent,
        () -> assertEquals("15s", sent.path("TTL").asText(), "ttl/2, Consul doubles it"),
        () -> assertEquals("delete", sent.path("Behavior").asText(), "keys go with the session"),
        () -> assertEquals("0s", sent.path("LockDelay").asText(), "no lock delay after a leader dies"),
        () -> assertEquals("primus", sent.path("Name").asText()));
  }

  @Test
  void grantRoundsSmallTtlsUpToConsulsMinimumAndReportsTheTtlGranted() throws Exception {
    consul.on("PUT", "/v1/session/create", json(200, "{\"ID\":\"" + SESSION + "\"}"));

    Lease small = store.grant(Duration.ofSeconds(2));
    Lease odd = store.grant(Duration.ofMillis(25_500));

    assertEquals(Duration.ofSeconds(20), small.ttl(), "2s asks TTL 1s, raised to Consul's 10s minimum: 20s");
    assertEquals(Duration.ofSeconds(26), odd.ttl(), "25.5s asks 12.75s, rounded up to 13s: 26s");
    List<Recorded> creates = consul.all("PUT", "/v1/session/create");
    assertEquals("10s", body(creates.get(0)).path("TTL").asText());
    assertEquals("13s", body(creates.get(1)).path("TTL").asText());
  }

  @Test
  void grantSendsConfiguredChecks() throws Exception {
    storeWith(new ConsulConfig(consul.endpoint(), Optional.empty(), Optional.empty(), ConsulConfig.Consistency.DEFAULT,
        List.of("serfHealth", "service:pg"), Optional.empty(), Optional.empty(), Optional.empty(), true));
    consul.on("PUT", "/v1/session/create", json(200, "{\"ID\":\"" + SESSION + "\"}"));

    store.grant(TTL);

    JsonNode checks = body(consul.only("PUT", "/v1/session/create")).path("Checks");
    assertEquals("[\"serfHealth\",\"service:pg\"]", checks.toString());
  }

  @Test
  void keepAliveRenewsTheSessionAndReportsTheTtlConsulNowGrants() throws Exception {
    consul.on("PUT", "/v1/session/renew/" + SESSION, json(200, session(SESSION, "20s")));

    KeepAliveResult r = store.keepAlive(new Lease(SESSION, Duration.ofSeconds(30)));

    KeepAliveResult.Alive alive = assertInstanceOf(KeepAliveResult.Alive.class, r);
    assertEquals(new Lease(SESSION, Duration.ofSeconds(40)), alive.lease(), "Consul raised the TTL to 20s");
    consul.only("PUT", "/v1/session/renew/" + SESSION);
  }

  @Test
  void keepAliveOnAnUnknownSessionReportsExpired() throws Exception {
    consul.on("PUT", "/v1/session/renew/" + SESSION, text(404, "Session id '" + SESSION + "' not found"));

    KeepAliveResult r = store.keepAlive(new Lease(SESSION, TTL));

    assertInstanceOf(KeepAliveResult.Expired.class, r);
    assertEquals(ConnectionState.CONNECTED, store.connectionState(), "a 404 is an answer");
  }

  @Test
  void revokeDestroysTheSession() throws Exception {
    consul.on("PUT", "/v1/session/destroy/" + SESSION, json(200, "true"));

    store.revoke(new Lease(SESSION, TTL));

    consul.only("PUT", "/v1/session/destroy/" + SESSION);
  }

  // ---------------------------------------------------------------- token, dc, consistency

  @Test
  void tokenTravelsInAHeaderAndDcAsAParameterOnEveryKindOfRequest() throws Exception {
    storeWith(withTokenAndDc(consul.endpoint(), ConsulConfig.Consistency.DEFAULT));
    consul.on("PUT", "/v1/session/create", json(200, "{\"ID\":\"" + SESSION + "\"}"))
        .on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(5))
        .on("PUT", "/v1/txn", json(200, applied(entry("service/pg/config", Optional.empty(), 6, Optional.empty()))));

    store.grant(TTL);
    store.read("/service/pg/");
    store.put("/service/pg/config", "{}", Optional.empty());

    List<Recorded> sent = consul.requests();
    assertEquals(3, sent.size(), sent.toString());
    for (Recorded r : sent) {
      assertAll(r.method() + " " + r.path(),
          () -> assertEquals("s3cr3t-token", r.headers().get("x-consul-token"), "the ACL token header"),
          () -> assertFalse(r.has("token"), "the token never goes into the URL, where logs would keep it"),
          () -> assertEquals("dc2", r.query().get("dc"), "the datacenter parameter"));
    }
    assertFalse(store.toString().contains("s3cr3t"), store.toString());
  }

  @Test
  void consistencyModeIsAParameterOfReads() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(5));
    storeWith(withTokenAndDc(consul.endpoint(), ConsulConfig.Consistency.CONSISTENT)).read("/service/pg/");
    storeWith(withTokenAndDc(consul.endpoint(), ConsulConfig.Consistency.STALE)).read("/service/pg/");
    storeWith(withTokenAndDc(consul.endpoint(), ConsulConfig.Consistency.DEFAULT)).read("/service/pg/");

    List<Recorded> reads = consul.all("GET", "/v1/kv/service/pg/");
    assertTrue(reads.get(0).has("consistent") && !reads.get(0).has("stale"), reads.get(0).query().toString());
    assertTrue(reads.get(1).has("stale") && !reads.get(1).has("consistent"), reads.get(1).query().toString());
    assertTrue(!reads.get(2).has("stale") && !reads.get(2).has("consistent"), reads.get(2).query().toString());
  }

  // ---------------------------------------------------------------- reads

  @Test
  void readListsThePrefixRecursivelyAndMapsEntries() throws Exception {
    // Deliberately out of order, with one entry outside the prefix, an empty value and a leased key.
    String list = "[" + entry("service/pg/members/node1", Optional.of("{\"role\":\"primary\"}"), 11, Optional.of(SESSION))
        + "," + entry("service/pg/config", Optional.empty(), 9, Optional.empty())
        + "," + entry("service/pg/leader", Optional.of("node1 \u00fc \uD83D\uDC18"), 12, Optional.of(SESSION))
        + "," + entry("service/pgx/leader", Optional.of("other"), 3, Optional.empty()) + "]";
    consul.on("GET", "/v1/kv/service/pg/", json(200, list).withIndex(42));

    Snapshot s = store.read("/service/pg/");

    Recorded get = consul.only("GET", "/v1/kv/service/pg/");
    assertTrue(get.has("recurse"), "a prefix read is recursive: " + get.query());
    assertEquals("/service/pg/", s.prefix());
    assertEquals(List.of(
        new KeyValue("/service/pg/config", "", 9, Optional.empty()),
        new KeyValue("/service/pg/leader", "node1 \u00fc \uD83D\uDC18", 12, Optional.of(SESSION)),
        new KeyValue("/service/pg/members/node1", "{\"role\":\"primary\"}", 11, Optional.of(SESSION))), s.entries(),
        "sorted, mapped to absolute keys, ModifyIndex as version, Session as lease, null value as empty");
    assertEquals(42, s.revision(), "X-Consul-Index");
    assertEquals(ConnectionState.CONNECTED, s.connection());
  }

  @Test
  void readOfAnEmptyPrefixIsA404WithAnIndex() throws Exception {
    consul.on("GET", "/v1/kv/service/none/", text(404, "").withIndex(17));

    Snapshot s = store.read("/service/none/");

    assertEquals(List.of(), s.entries());
    assertEquals(17, s.revision());
  }

  @Test
  void keysMustStartWithOneSlashAndNothingIsSentOtherwise() {
    DcsException relative = assertThrows(DcsException.class, () -> store.read("service/pg/"));
    DcsException doubled = assertThrows(DcsException.class, () -> store.put("//service/pg/leader", "x", Optional.empty()));
    assertEquals(DcsException.Kind.INVALID_REQUEST, relative.kind());
    assertEquals(DcsException.Kind.INVALID_REQUEST, doubled.kind());
    assertEquals(List.of(), consul.requests());
  }

  // ---------------------------------------------------------------- writes

  @Test
  void createIfAbsentIsACasWithIndexZeroAndReturnsTheModifyIndex() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("service/pg/initialize", Optional.empty(), 55, Optional.empty()))));

    WriteResult r = store.createIfAbsent("/service/pg/initialize", "7301234567890", Optional.empty());

    assertEquals(new WriteResult.Written(55), r);
    JsonNode ops = body(consul.only("PUT", "/v1/txn"));
    assertEquals(1, ops.size(), ops.toString());
    JsonNode op = kv(ops.get(0));
    assertAll("txn op " + op,
        () -> assertEquals("cas", op.path("Verb").asText()),
        () -> assertEquals("service/pg/initialize", op.path("Key").asText(), "no leading slash in Consul"),
        () -> assertEquals(b64("7301234567890"), op.path("Value").asText()),
        () -> assertTrue(op.has("Index") && op.path("Index").asLong() == 0, "cas=0 means: only if absent"));
  }

  @Test
  void leasedCreateIfAbsentAddsALockBySessionInTheSameTransaction() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(
        entry("service/pg/leader", Optional.empty(), 60, Optional.empty()),
        entry("service/pg/leader", Optional.empty(), 60, Optional.of(SESSION)))));

    WriteResult r = store.createIfAbsent("/service/pg/leader", "node1", Optional.of(new Lease(SESSION, TTL)));

    assertEquals(new WriteResult.Written(60), r);
    JsonNode ops = body(consul.only("PUT", "/v1/txn"));
    assertEquals("cas", kv(ops.get(0)).path("Verb").asText());
    assertEquals(0, kv(ops.get(0)).path("Index").asLong());
    JsonNode lock = kv(ops.get(1));
    assertEquals("lock", lock.path("Verb").asText(), "acquire=<session> as a transaction verb");
    assertEquals(SESSION, lock.path("Session").asText());
    assertEquals(b64("node1"), lock.path("Value").asText());
  }

  @Test
  void aRolledBackCreateIsAConflictCarryingTheCurrentEntry() throws Exception {
    consul.on("PUT", "/v1/txn", json(409, rolledBack("failed to set key \"service/pg/leader\", index is stale")))
        .on("GET", "/v1/kv/service/pg/leader", json(200, "[" + entry("service/pg/leader", Optional.of("node2"), 70,
            Optional.empty()) + "]").withIndex(70));

    WriteResult r = store.createIfAbsent("/service/pg/leader", "node1", Optional.empty());

    WriteResult.Conflict c = assertInstanceOf(WriteResult.Conflict.class, r);
    assertEquals(Optional.of(new KeyValue("/service/pg/leader", "node2", 70, Optional.empty())), c.current());
    assertFalse(consul.only("GET", "/v1/kv/service/pg/leader").has("recurse"), "a single-key read");
  }

  @Test
  void aLeasedWriteWithAnInvalidSessionIsLeaseNotFound() throws Exception {
    consul.on("PUT", "/v1/txn", json(409, rolledBack("failed to lock key \"service/pg/leader\": invalid session \""
        + SESSION + "\"")));

    DcsException e = assertThrows(DcsException.class,
        () -> store.put("/service/pg/leader", "node1", Optional.of(new Lease(SESSION, TTL))));

    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, e.kind(), e.getMessage());
  }

  @Test
  void aLeasedWriteRolledBackForAnotherReasonChecksWhetherTheSessionStillExists() throws Exception {
    consul.on("PUT", "/v1/txn", json(409, rolledBack("failed to lock key \"service/pg/leader\": already held")))
        .on("GET", "/v1/session/info/" + SESSION, json(200, session(SESSION, "15s")))
        .on("GET", "/v1/session/info/" + SESSION, json(200, "[]"))
        .on("GET", "/v1/kv/service/pg/leader", json(200, "[" + entry("service/pg/leader", Optional.of("node2"), 80,
            Optional.of("other-session")) + "]").withIndex(80));

    WriteResult held = store.put("/service/pg/leader", "node1", Optional.of(new Lease(SESSION, TTL)));
    assertInstanceOf(WriteResult.Conflict.class, held, "another session holds the key");

    // The session info answered "present" the first time; now it says the session is gone.
    DcsException gone = assertThrows(DcsException.class,
        () -> store.put("/service/pg/leader", "node1", Optional.of(new Lease(SESSION, TTL))));
    assertEquals(DcsException.Kind.LEASE_NOT_FOUND, gone.kind(), gone.getMessage());
  }

  @Test
  void anAclRefusalInsideATransactionIsAuthenticationNotAConflict() throws Exception {
    consul.on("PUT", "/v1/txn", json(409, rolledBack("Permission denied")));

    DcsException e = assertThrows(DcsException.class,
        () -> store.createIfAbsent("/service/pg/leader", "node1", Optional.empty()));

    assertEquals(DcsException.Kind.AUTHENTICATION, e.kind(), e.getMessage());
  }

  @Test
  void compareAndSetIsACasOnTheVersionOrACheckIndexPlusLockWithALease() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("service/pg/failover", Optional.empty(), 91, Optional.empty()))));

    assertEquals(new WriteResult.Written(91), store.compareAndSet("/service/pg/failover", "{}", 90, Optional.empty()));
    assertEquals(new WriteResult.Written(91),
        store.compareAndSet("/service/pg/failover", "{}", 90, Optional.of(new Lease(SESSION, TTL))));

    List<Recorded> txns = consul.all("PUT", "/v1/txn");
    JsonNode plain = body(txns.get(0));
    assertEquals(1, plain.size());
    assertEquals("cas", kv(plain.get(0)).path("Verb").asText());
    assertEquals(90, kv(plain.get(0)).path("Index").asLong());
    JsonNode leased = body(txns.get(1));
    assertEquals("check-index", kv(leased.get(0)).path("Verb").asText());
    assertEquals(90, kv(leased.get(0)).path("Index").asLong());
    assertEquals("lock", kv(leased.get(1)).path("Verb").asText());
    assertEquals(SESSION, kv(leased.get(1)).path("Session").asText());
  }

  @Test
  void compareValueAndSetReadsThenCasesOnTheModifyIndexItSaw() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/sync", json(200, "[" + entry("service/pg/sync", Optional.of("{\"leader\":\"n1\"}"),
            33, Optional.empty()) + "]").withIndex(33))
        .on("PUT", "/v1/txn", json(200, applied(entry("service/pg/sync", Optional.empty(), 34, Optional.empty()))));

    WriteResult wrong = store.compareValueAndSet("/service/pg/sync", "{\"leader\":\"n9\"}", "x", Optional.empty());
    assertInstanceOf(WriteResult.Conflict.class, wrong);
    assertEquals(List.of(), consul.all("PUT", "/v1/txn"), "a value mismatch sends no write");

    WriteResult right = store.compareValueAndSet("/service/pg/sync", "{\"leader\":\"n1\"}", "{\"leader\":\"n2\"}",
        Optional.empty());
    assertEquals(new WriteResult.Written(34), right);
    JsonNode op = kv(body(consul.only("PUT", "/v1/txn")).get(0));
    assertEquals("cas", op.path("Verb").asText());
    assertEquals(33, op.path("Index").asLong(), "the ModifyIndex of the value compared");
  }

  @Test
  void putIsASetOrALockAndEveryWriteCarriesAFreshNonNegativeFlagsNonce() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("service/pg/status", Optional.empty(), 100, Optional.empty()))));

    store.put("/service/pg/status", "{\"optime\":1}", Optional.empty());
    store.put("/service/pg/status", "{\"optime\":1}", Optional.empty());
    store.put("/service/pg/status", "{\"optime\":1}", Optional.of(new Lease(SESSION, TTL)));

    List<Recorded> txns = consul.all("PUT", "/v1/txn");
    JsonNode first = kv(body(txns.get(0)).get(0));
    JsonNode second = kv(body(txns.get(1)).get(0));
    JsonNode leased = kv(body(txns.get(2)).get(0));
    assertEquals("set", first.path("Verb").asText());
    assertEquals("lock", leased.path("Verb").asText());
    assertEquals(SESSION, leased.path("Session").asText());
    assertTrue(first.path("Flags").asLong() >= 0 && second.path("Flags").asLong() >= 0, "Consul's Flags are unsigned");
    assertNotEquals(first.path("Flags").asLong(), second.path("Flags").asLong(),
        "a rewrite of the same value must differ, or Consul skips it and keeps the ModifyIndex");
  }

  @Test
  void valuesAreSentAsUtf8WhateverThePlatformCharset() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("service/pg/x", Optional.empty(), 5, Optional.empty()))));
    String value = "caf\u00e9 \u65e5\u672c \uD83D\uDE80\nline";

    store.put("/service/pg/x", value, Optional.empty());

    String sent = kv(body(consul.only("PUT", "/v1/txn")).get(0)).path("Value").asText();
    assertEquals(value, new String(Base64.getDecoder().decode(sent), StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- deletes

  @Test
  void deleteIfVersionChecksTheIndexAndDeletesInOneTransaction() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("service/pg/failover", Optional.empty(), 12, Optional.empty()))));

    assertEquals(DeleteResult.DELETED, store.deleteIfVersion("/service/pg/failover", 12));

    JsonNode ops = body(consul.only("PUT", "/v1/txn"));
    assertEquals("check-index", kv(ops.get(0)).path("Verb").asText());
    assertEquals(12, kv(ops.get(0)).path("Index").asLong());
    assertEquals("delete", kv(ops.get(1)).path("Verb").asText());
    assertEquals("service/pg/failover", kv(ops.get(1)).path("Key").asText());
  }

  @Test
  void aRolledBackDeleteIsAConflictIfTheKeyExistsAndAbsentOtherwise() throws Exception {
    consul.on("PUT", "/v1/txn", json(409, rolledBack("current modify index 13 != 12")))
        .on("GET", "/v1/kv/service/pg/failover", json(200, "[" + entry("service/pg/failover", Optional.of("b"), 13,
            Optional.empty()) + "]").withIndex(13))
        .on("GET", "/v1/kv/service/pg/failover", text(404, "").withIndex(14));

    assertEquals(DeleteResult.CONFLICT, store.deleteIfVersion("/service/pg/failover", 12));
    assertEquals(DeleteResult.ABSENT, store.deleteIfVersion("/service/pg/failover", 12));
  }

  @Test
  void deleteIfValueReadsComparesAndDeletesOnTheIndexItSaw() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/leader", json(200, "[" + entry("service/pg/leader", Optional.of("node1"), 21,
            Optional.empty()) + "]").withIndex(21))
        .on("PUT", "/v1/txn", json(200, "{\"Results\":null,\"Errors\":null}"));

    assertEquals(DeleteResult.CONFLICT, store.deleteIfValue("/service/pg/leader", "node2"));
    assertEquals(List.of(), consul.all("PUT", "/v1/txn"), "a value mismatch sends no delete");
    assertEquals(DeleteResult.DELETED, store.deleteIfValue("/service/pg/leader", "node1"));

    JsonNode ops = body(consul.only("PUT", "/v1/txn"));
    assertEquals("check-index", kv(ops.get(0)).path("Verb").asText());
    assertEquals(21, kv(ops.get(0)).path("Index").asLong());
    assertEquals("delete", kv(ops.get(1)).path("Verb").asText());
  }

  @Test
  void deletePrefixReadsAndDeletesTheTreeInOneTransactionAndCountsTheKeys() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(
        entry("service/pg/config", Optional.of("{}"), 3, Optional.empty()),
        entry("service/pg/leader", Optional.of("n1"), 4, Optional.of(SESSION)))));

    assertEquals(2, store.deletePrefix("/service/pg/"));

    JsonNode ops = body(consul.only("PUT", "/v1/txn"));
    assertEquals("get-tree", kv(ops.get(0)).path("Verb").asText());
    assertEquals("delete-tree", kv(ops.get(1)).path("Verb").asText());
    assertEquals("service/pg/", kv(ops.get(1)).path("Key").asText());
  }

  // ---------------------------------------------------------------- watch

  @Test
  void watchIsABlockingQueryWithIndexAndWaitThatReportsAChangedIndex() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(43));

    assertTrue(store.capabilities().contains(Capability.WATCH));
    WatchOutcome outcome = store.watcher().orElseThrow().awaitChange("/service/pg/", 42, Duration.ofMillis(1500));

    assertEquals(WatchOutcome.CHANGED, outcome);
    Recorded q = consul.only("GET", "/v1/kv/service/pg/");
    assertEquals("42", q.query().get("index"));
    assertEquals("2s", q.query().get("wait"), "whole seconds, rounded up from 1.5s");
    assertTrue(q.has("recurse"));
  }

  @Test
  void watchReturnsTimedOutNotBeforeItsTimeoutWhenTheIndexStays() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(42).after(Duration.ofMillis(300)));

    long start = System.nanoTime();
    WatchOutcome outcome = store.watcher().orElseThrow().awaitChange("/service/pg/", 42, Duration.ofMillis(700));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(WatchOutcome.TIMED_OUT, outcome);
    assertTrue(tookMillis >= 700, "returned after " + tookMillis + " ms");
    assertTrue(consul.all("GET", "/v1/kv/service/pg/").size() >= 2, "it asked again while time was left");
  }

  @Test
  void watchFromRevisionZeroReadsTheCurrentIndexFirst() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(50))
        .on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(51));

    assertEquals(WatchOutcome.CHANGED, store.watcher().orElseThrow().awaitChange("/service/pg/", 0, Duration.ofSeconds(5)));

    List<Recorded> gets = consul.all("GET", "/v1/kv/service/pg/");
    assertFalse(gets.get(0).has("index"), "the first read is not blocking");
    assertEquals("50", gets.get(1).query().get("index"), "then it blocks from the index it read");
  }

  // ---------------------------------------------------------------- errors and connection state

  @Test
  void httpErrorsAreClassifiedAndAnswersKeepTheStateConnected() throws Exception {
    consul.on("GET", "/v1/kv/a/", text(403, "ACL not found"))
        .on("GET", "/v1/kv/b/", text(400, "Bad request"))
        .on("GET", "/v1/kv/c/", text(413, "Request body too large"));

    assertEquals(DcsException.Kind.AUTHENTICATION, assertThrows(DcsException.class, () -> store.read("/a/")).kind());
    assertEquals(DcsException.Kind.INVALID_REQUEST, assertThrows(DcsException.class, () -> store.read("/b/")).kind());
    assertEquals(DcsException.Kind.INVALID_REQUEST, assertThrows(DcsException.class, () -> store.read("/c/")).kind());
    assertEquals(ConnectionState.CONNECTED, store.connectionState());
  }

  @Test
  void noClusterLeaderIsUnavailableAndSuspendsThenLosesTheConnectionAfterTheTtl() throws Exception {
    consul.on("GET", "/v1/kv/service/pg/", text(500, "No cluster leader"))
        .on("GET", "/v1/kv/service/pg/", text(500, "No cluster leader"))
        .on("GET", "/v1/kv/service/pg/", json(200, "[]").withIndex(9));

    DcsException e = assertThrows(DcsException.class, () -> store.read("/service/pg/"));
    assertEquals(DcsException.Kind.UNAVAILABLE, e.kind());
    assertTrue(e.retryable());
    assertEquals(ConnectionState.SUSPENDED, store.connectionState());

    clock.addAndGet(TTL.toNanos());
    assertThrows(DcsException.class, () -> store.read("/service/pg/"));
    assertEquals(ConnectionState.LOST, store.connectionState(), "failing for a whole ttl");

    assertEquals(ConnectionState.RECONNECTED, store.read("/service/pg/").connection());
    clock.addAndGet(TTL.toNanos());
    assertEquals(ConnectionState.CONNECTED, store.connectionState());
  }

  @Test
  void anAgentThatIsNotListeningIsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    storeWith(ConsulConfig.of(URI.create("http://127.0.0.1:" + port)));

    DcsException e = assertThrows(DcsException.class, () -> store.grant(TTL));

    assertEquals(DcsException.Kind.UNAVAILABLE, e.kind(), e.getMessage());
    assertEquals(ConnectionState.SUSPENDED, store.connectionState());
  }

  @Test
  void anAgentThatDoesNotAnswerInTimeIsATimeoutWithinTheDeadline() throws Exception {
    consul.on("PUT", "/v1/txn", json(200, applied(entry("k", Optional.empty(), 1, Optional.empty())))
        .after(REQUEST_TIMEOUT.multipliedBy(3)));

    long start = System.nanoTime();
    DcsException e = assertThrows(DcsException.class, () -> store.put("/k", "v", Optional.empty()));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(DcsException.Kind.TIMEOUT, e.kind(), e.getMessage());
    assertTrue(e.kind().outcomeUnknown(), "the write may have been applied");
    assertTrue(tookMillis < REQUEST_TIMEOUT.toMillis() + 1000, "took " + tookMillis + " ms");
    assertEquals(ConnectionState.SUSPENDED, store.connectionState());
  }

  @Test
  void aClosedStoreRefusesRequests() {
    store.close();

    DcsException e = assertThrows(DcsException.class, () -> store.read("/service/pg/"));

    assertEquals(DcsException.Kind.INTERNAL, e.kind());
    assertEquals(List.of(), consul.requests());
  }
}
