package dev.primus.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The version the agent writes where Patroni tools read a Patroni version (member key, {@code /patroni},
 * {@code patroni_version}): it must parse as Patroni parses it (dotted integers), be at least 2.1.0 (or
 * Patroni leaders in the cluster fall back to writing the legacy {@code optime/leader} key) and below 4.0.0
 * (whose slot semantics Primus does not claim), and be the release the fixtures were recorded from.
 * {@code AgentSmokeIT} checks that a running agent writes it into its member key.
 */
class PrimusVersionTest {

  static int[] parse(String v) {
    return Arrays.stream(v.split("\\.")).mapToInt(Integer::parseInt).toArray();
  }

  @Test
  void thePatroniVersionReportedIsModernAndBelowFour() {
    int[] v = parse(PrimusVersion.PATRONI_COMPATIBLE);
    assertEquals(3, v.length, "major.minor.patch, as Patroni's Member.version splits it");
    assertTrue(Arrays.compare(v, new int[] {2, 1, 0}) >= 0, "at least 2.1.0: no legacy optime/leader writes");
    assertTrue(Arrays.compare(v, new int[] {4, 0, 0}) < 0,
        "below 4.0.0: Primus does not maintain the member slot positions in /status");
  }

  @Test
  void itIsTheVersionTheRecordedPatroniWroteIntoItsMemberKeys() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode keys;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/patroni-3.0.2/etcd3/01-bootstrapped.json")) {
      assertNotNull(in, "the recorded fixture");
      keys = json.readTree(in);
    }
    int members = 0;
    for (JsonNode k : keys) {
      if (k.path("key").asText().contains("/members/")) {
        members++;
        assertEquals(PrimusVersion.PATRONI_COMPATIBLE, json.readTree(k.path("value").asText()).path("version").asText());
      }
    }
    assertEquals(3, members);
  }
}
