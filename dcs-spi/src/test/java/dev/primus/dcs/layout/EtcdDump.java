package dev.primus.dcs.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Loads the etcd dumps recorded from a real Patroni 3.0.2 cluster (test resources under
 * {@code fixtures/patroni-3.0.2/etcd3/}) as a {@link Snapshot}, as an etcd backend would return it.
 *
 * <p>Each dump is a JSON list of {@code {key, value, lease, create_revision, mod_revision, version}}.
 * Keys and values are plain text, or base64 as etcd's JSON gateway returns them (a key not starting
 * with {@code /} is taken as base64, and then so is its value). The version is {@code mod_revision},
 * the CAS token an etcd store reports. The dump only says whether a key has a lease, not which one;
 * Patroni attaches each node's one lease to its member key and, on the leader, the leader key, so the
 * lease id is derived from the owning member's name.
 */
final class EtcdDump {
  static final String DIR = "/fixtures/patroni-3.0.2/etcd3/";
  static final List<String> FILES = List.of("01-bootstrapped.json", "02-paused.json", "03-pending-restart.json",
      "04-scheduled-switchover.json", "05-after-switchover.json");

  private EtcdDump() {}

  static Snapshot load(String file) {
    try (InputStream in = EtcdDump.class.getResourceAsStream(DIR + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + DIR + file);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Snapshot parse(String json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    List<KeyValue> entries = new ArrayList<>();
    long revision = 0;
    for (JsonNode n : root) {
      String key = n.get("key").asText();
      String value = n.get("value").asText();
      if (!key.startsWith("/")) {
        key = base64(key);
        value = base64(value);
      }
      long modRevision = n.get("mod_revision").asLong();
      revision = Math.max(revision, modRevision);
      Optional<String> lease = n.path("lease").asBoolean(false) ? Optional.of(leaseOf(key, value)) : Optional.empty();
      entries.add(new KeyValue(key, value, modRevision, lease));
    }
    entries.sort((a, b) -> a.key().compareTo(b.key()));
    return new Snapshot("/service/demo/", entries, revision, ConnectionState.CONNECTED);
  }

  /** The id of the lease of the member owning a leased key: {@code lease-<member>}. */
  static String leaseOf(String key, String value) {
    return key.endsWith("/leader") ? "lease-" + value : "lease-" + key.substring(key.lastIndexOf('/') + 1);
  }

  private static String base64(String s) {
    return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }

  /** The raw value of a key in a dump. */
  static String raw(Snapshot s, String key) {
    return s.get(key).orElseThrow(() -> new AssertionError("fixture has no " + key)).value();
  }
}
