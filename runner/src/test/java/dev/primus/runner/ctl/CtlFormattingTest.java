package dev.primus.runner.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small formats behind the ctl: YAML as patronictl shows it, edit-config's key=value pairs, the diff. */
class CtlFormattingTest {

  @Test
  void yamlQuotesOnlyWhatYamlWouldReadAsSomethingElse() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("b", "on");
    m.put("a", "128MB");
    m.put("c", "10");
    m.put("d", "");
    m.put("e", List.of("x", 1));
    m.put("f", Map.of("k", true));
    assertEquals("a: 128MB\nb: 'on'\nc: '10'\nd: ''\ne:\n- x\n- 1\nf:\n  k: true\n", PyYaml.dump(m));
  }

  @Test
  void editPairsFollowDottedPathsExceptInsideParameters() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("ttl", 30);
    Map<String, Object> out = ConfigEdits.apply(config, List.of("loop_wait=5", "ttl=null",
        "postgresql.parameters.auto_explain.log_min_duration=100", "postgresql.use_pg_rewind=on", "tags.x='on'"));
    assertEquals(Map.of("loop_wait", 5L,
        "postgresql", Map.of("parameters", Map.of("auto_explain.log_min_duration", 100L), "use_pg_rewind", true),
        "tags", Map.of("x", "on")), out);
    assertThrows(IllegalArgumentException.class, () -> ConfigEdits.apply(config, List.of("novalue")));
  }

  @Test
  void removingTheLastKeyOfASectionRemovesTheSection() {
    Map<String, Object> config = new LinkedHashMap<>(Map.of("postgresql", new LinkedHashMap<>(Map.of("use_slots", true))));
    assertEquals(Map.of(), ConfigEdits.apply(config, List.of("postgresql.use_slots=null")));
  }

  @Test
  void theDiffIsUnified() {
    String d = UnifiedDiff.diff("a: 1\nb: 2\nc: 3\n", "a: 1\nb: 5\nc: 3\nd: 4\n", "", "");
    assertEquals("--- \n+++ \n@@ -1,3 +1,4 @@\n a: 1\n-b: 2\n+b: 5\n c: 3\n+d: 4\n", d);
    assertEquals("", UnifiedDiff.diff("x\n", "x\n", "", ""));
  }

  @Test
  void jsonIsPythonsDefaultDumps() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Member", "nöde");
    m.put("TL", 1L);
    m.put("Tags", Map.of("nofailover", true));
    assertEquals("[{\"Member\": \"n\\u00f6de\", \"TL\": 1, \"Tags\": {\"nofailover\": true}}]", PyJson.dumps(List.of(m)));
  }

  @Test
  void timestampsHaveFiveFractionalDigitsAsPatronictls() {
    String ts = CtlContext.timestamp(java.time.LocalDateTime.of(2026, 11, 22, 4, 16, 3, 980_590_000));
    assertEquals("2026-11-22 04:16:03.98059", ts);
  }

  @Test
  void switchoverTimesAreIso8601OrNow() {
    assertTrue(CtlActions.parseWhen("now").isEmpty());
    assertEquals("2026-11-22T05:16:00+00:00",
        ClusterTable.isoformat(CtlActions.parseWhen("2026-11-22T05:16:00+00:00").orElseThrow()));
    assertThrows(IllegalArgumentException.class, () -> CtlActions.parseWhen("tomorrow"));
  }
}
