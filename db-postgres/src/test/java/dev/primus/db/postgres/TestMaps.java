package dev.primus.db.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

/** Ordered maps for tests, the way a YAML parser hands them over. */
final class TestMaps {
  private TestMaps() {}

  static Map<String, Object> linked(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
