package dev.primus.dcs.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.model.InvalidValue;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Anyone with write access to the DCS may put anything into the cluster's keys: another tool, an operator
 * by hand, a half-written value. Whatever they write, the codec never throws; a value it cannot read is
 * reported as an {@link InvalidValue} naming its key, and the rest of the cluster is still read.
 */
class GarbageInTheDcsProperties {
  private static final ClusterPath PATH = ClusterPath.of("/service/", "fuzz");

  /** Every decoder, by the relative key it reads. */
  private static final List<Decoder> DECODERS = List.of(
      new Decoder(PATH.member("node1"), (r) -> PatroniCodec.decodeMember(PATH.member("node1"), r, 7)),
      new Decoder(PATH.leader(), (r) -> PatroniCodec.decodeLeader(PATH.leader(), r, 7)),
      new Decoder(PATH.initialize(), (r) -> PatroniCodec.decodeInitialize(PATH.initialize(), r, 7)),
      new Decoder(PATH.config(), (r) -> PatroniCodec.decodeConfig(PATH.config(), r, 7)),
      new Decoder(PATH.failover(), (r) -> PatroniCodec.decodeFailover(PATH.failover(), r, 7)),
      new Decoder(PATH.sync(), (r) -> PatroniCodec.decodeSync(PATH.sync(), r, 7)),
      new Decoder(PATH.status(), (r) -> PatroniCodec.decodeStatus(PATH.status(), r, 7)),
      new Decoder(PATH.leaderOptime(), (r) -> PatroniCodec.decodeLeaderOptime(PATH.leaderOptime(), r, 7)),
      new Decoder(PATH.history(), (r) -> PatroniCodec.decodeHistory(PATH.history(), r, 7)),
      new Decoder(PATH.failsafe(), (r) -> PatroniCodec.decodeFailsafe(PATH.failsafe(), r, 7)));

  private record Decoder(String key, Function<String, Decoded<?>> decode) {}

  @Property(tries = 400)
  void everyDecoderReadsOrNamesTheKeyItCouldNotRead(@ForAll("garbage") String raw) {
    boolean anyInvalid = false;
    for (Decoder d : DECODERS) {
      Decoded<?> out = d.decode().apply(raw);
      anyInvalid |= out.invalid().isPresent();
      if (out.invalid().isPresent()) {
        InvalidValue v = out.invalid().get();
        assertEquals(d.key(), v.key(), "the problem names the key it was read from");
        assertEquals(raw, v.raw(), "the raw text is kept for the log");
        assertFalse(v.reason().isBlank(), "and says why");
      } else {
        assertTrue(out.toOptional().isPresent());
      }
    }
    Statistics.collect(anyInvalid ? "some key unreadable" : "readable everywhere");
    // A generator that produced only readable text would prove nothing.
    Statistics.coverage(c -> c.check("some key unreadable").percentage(p -> p > 50));
  }

  @Property(tries = 300)
  void aClusterWithGarbageInEveryKeyIsStillRead(@ForAll("garbage") String member, @ForAll("garbage") String leader,
      @ForAll("garbage") String config, @ForAll("garbage") String sync, @ForAll("garbage") String status,
      @ForAll("garbage") String history, @ForAll("garbage") String failover, @ForAll("garbage") String failsafe,
      @ForAll("garbage") String initialize) {
    List<KeyValue> kvs = new ArrayList<>(List.of(
        kv(PATH.member("node1"), member), kv(PATH.member("node2"), PatroniCodec.encodeLeader("not a member document")),
        kv(PATH.leader(), leader), kv(PATH.config(), config), kv(PATH.sync(), sync), kv(PATH.status(), status),
        kv(PATH.history(), history), kv(PATH.failover(), failover), kv(PATH.failsafe(), failsafe),
        kv(PATH.initialize(), initialize)));
    ClusterView view = PatroniCodec.decode(new Snapshot(PATH.base(), kvs, 42, ConnectionState.CONNECTED), PATH);

    assertTrue(view.member("node1").isPresent() && view.member("node2").isPresent(),
        "a member whose value is garbage is still a member: " + view.members());
    for (InvalidValue v : view.invalid()) {
      assertTrue(kvs.stream().anyMatch(k -> k.key().equals(v.key())), "an invalid value names a key that exists: " + v);
    }
    for (KeyValue k : kvs) {
      boolean readable = DECODERS.stream().filter(d -> d.key().equals(k.key())).findFirst()
          .map(d -> d.decode().apply(k.value()).invalid().isEmpty()).orElse(true);
      boolean reported = view.invalid().stream().anyMatch(v -> v.key().equals(k.key()));
      if (!readable) {
        assertTrue(reported, "an unreadable " + k.key() + " is reported, not dropped silently");
      }
    }
  }

  private static KeyValue kv(String key, String value) {
    return new KeyValue(key, value, 3, Optional.empty());
  }

  /**
   * Text of every shape: random strings, JSON scalars and containers, and Patroni's own documents with a
   * field's value replaced by a value of another type.
   */
  @Provide
  Arbitrary<String> garbage() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(40);
    Arbitrary<String> scalar = Arbitraries.oneOf(
        Arbitraries.longs().map(String::valueOf),
        Arbitraries.doubles().map(String::valueOf),
        Arbitraries.of("null", "true", "false", "\"\"", "[]", "{}", "1e400", "-0", "0x10", "NaN", "\"\\u0000\"",
            "9223372036854775808", "-9223372036854775809"),
        text.map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
    Arbitrary<String> doc = Combinators.combine(Arbitraries.of(DOCUMENTS), Arbitraries.of(FIELDS), scalar)
        .as((d, f, v) -> d.replaceFirst("(\"" + f + "\":)(\"[^\"]*\"|[^,}\\]]*)", "$1" + java.util.regex.Matcher.quoteReplacement(v)));
    Arbitrary<String> truncated = Arbitraries.of(DOCUMENTS).flatMap(d -> Arbitraries.integers().between(0, d.length())
        .map(n -> d.substring(0, n)));
    return Arbitraries.oneOf(text, scalar, doc, truncated,
        scalar.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]"));
  }

  /** What Patroni 3.0.2 writes into the keys (from the recorded fixtures' shapes). */
  private static final List<String> DOCUMENTS = List.of(
      "{\"conn_url\":\"postgres://127.0.0.1:5432/postgres\",\"api_url\":\"http://127.0.0.1:8008/patroni\",\"state\":\"running\","
          + "\"role\":\"master\",\"version\":\"3.0.2\",\"xlog_location\":67108864,\"timeline\":1,\"tags\":{\"nofailover\":false}}",
      "{\"ttl\":30,\"loop_wait\":10,\"retry_timeout\":10,\"maximum_lag_on_failover\":1048576,"
          + "\"postgresql\":{\"use_pg_rewind\":true,\"parameters\":{\"max_connections\":100}},\"slots\":{\"s\":{\"type\":\"logical\"}}}",
      "{\"leader\":\"node1\",\"sync_standby\":\"node2\"}",
      "{\"optime\":67108864,\"slots\":{\"node2\":67108864},\"retain_slots\":[\"node1\"]}",
      "[[1,25165984,\"no recovery target specified\",\"2026-11-22T04:16:12+00:00\",\"node1\"]]",
      "{\"leader\":\"node1\",\"member\":\"node2\",\"scheduled_at\":\"2026-11-22T04:16:12+00:00\"}",
      "{\"node1\":\"http://127.0.0.1:8008/patroni\",\"node2\":\"http://127.0.0.1:8009/patroni\"}");

  private static final List<String> FIELDS = List.of("conn_url", "api_url", "state", "role", "version",
      "xlog_location", "timeline", "tags", "nofailover", "ttl", "loop_wait", "retry_timeout", "maximum_lag_on_failover",
      "postgresql", "use_pg_rewind", "parameters", "max_connections", "slots", "type", "leader", "sync_standby",
      "optime", "node2", "retain_slots", "member", "scheduled_at", "node1");
}
