package dev.primus.runner.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.primus.dcs.layout.ClusterPath;
import dev.primus.dcs.layout.PatroniCodec;
import dev.primus.dcs.model.ClusterView;
import dev.primus.dcs.spi.ConnectionState;
import dev.primus.dcs.spi.KeyValue;
import dev.primus.dcs.spi.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The recordings of a real Patroni 3.0.2 cluster (test resources under {@code fixtures/patroni-3.0.2/}):
 * the etcd keys at five moments, as cluster views, and what patronictl printed.
 */
final class PatroniFixtures {
  static final ClusterPath PATH = ClusterPath.of("demo");

  private PatroniFixtures() {}

  /** The cluster view of {@code etcd3/<file>}; a leased key gets its member's lease id. */
  static ClusterView view(String file) {
    try {
      JsonNode root = new ObjectMapper().readTree(resource("etcd3/" + file));
      List<KeyValue> entries = new ArrayList<>();
      long revision = 0;
      for (JsonNode n : root) {
        String key = n.get("key").asText();
        String value = n.get("value").asText();
        long version = n.get("mod_revision").asLong();
        revision = Math.max(revision, version);
        String owner = key.endsWith("/leader") ? value : key.substring(key.lastIndexOf('/') + 1);
        Optional<String> lease = n.path("lease").asBoolean(false) ? Optional.of("lease-" + owner) : Optional.empty();
        entries.add(new KeyValue(key, value, version, lease));
      }
      return PatroniCodec.decode(new Snapshot(PATH.base(), entries, revision, ConnectionState.CONNECTED), PATH);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What patronictl printed, {@code patronictl/<file>}, without its final newline. */
  static String printed(String file) {
    String s = resource("patronictl/" + file);
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  static String resource(String relative) {
    String name = "/fixtures/patroni-3.0.2/" + relative;
    try (InputStream in = PatroniFixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
