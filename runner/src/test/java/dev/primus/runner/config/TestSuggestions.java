package dev.primus.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestSuggestions {
  @Test
  void editDistance() {
    assertEquals(0, Suggestions.levenshtein("ttl", "ttl"));
    assertEquals(2, Suggestions.levenshtein("data_dri", "data_dir"));
    assertEquals(1, Suggestions.levenshtein("lop_wait", "loop_wait"));
    assertEquals(3, Suggestions.levenshtein("", "abc"));
  }

  @Test
  void nearestKnownKeyOrNothing() {
    List<String> known = List.of("data_dir", "bin_dir", "config_dir", "listen");
    assertEquals(Optional.of("data_dir"), Suggestions.nearest("data_dri", known));
    assertEquals(Optional.of("listen"), Suggestions.nearest("LISTEN", known));
    assertEquals(Optional.empty(), Suggestions.nearest("completely_unrelated", known));
  }
}
