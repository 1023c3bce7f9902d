package dev.primus.runner.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Whatever an operator's {@code patroni.yml} holds, loading it never throws: it loads, or every problem
 * is an error that names where it is (a key path, or the line for a syntax error) and says why.
 */
class PatroniYmlProperties {

  @Property(tries = 400)
  void anyFileLoadsOrNamesEachProblem(@ForAll("files") String yaml) {
    ConfigLoadResult r = PatroniConfigLoader.load(yaml, ConfigTestSupport.NO_ENV);
    assertNotNull(r);
    if (r instanceof ConfigLoadResult.Invalid inv) {
      assertFalse(inv.errors().isEmpty(), "invalid without a reason:\n" + yaml);
      for (ConfigError e : inv.errors()) {
        assertFalse(e.message().isBlank(), "an error says why: " + e + "\n" + yaml);
        assertTrue(!e.path().isEmpty() || e.kind() == ConfigError.Kind.SYNTAX || e.kind() == ConfigError.Kind.INCONSISTENT
            || e.kind() == ConfigError.Kind.MISSING, "an error names its key: " + e + "\n" + yaml);
      }
      Statistics.collect("rejected");
    } else {
      Statistics.collect("loaded");
    }
    Statistics.coverage(c -> {
      c.check("rejected").percentage(p -> p > 30);
      c.check("loaded").percentage(p -> p > 1);
    });
  }

  /** The minimal valid file with one value replaced, one line dropped or one line of garbage added. */
  @Provide
  Arbitrary<String> files() {
    List<String> lines = ConfigTestSupport.MINIMAL.lines().toList();
    Arbitrary<String> value = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(20).map(s -> "'" + s.replace("'", "''") + "'"),
        Arbitraries.of("~", "[]", "{}", "[1, 2]", "{a: 1}", "-1", "0", "99999999999999999999", "1.5", "yes", "no",
            "!!binary aGVsbG8=", "&a 1", "*a", "'", "\"", "{", "- x", "10.0.0.1:5432", "::1", "''"));
    Arbitrary<String> replaced = Combinators.combine(Arbitraries.integers().between(0, lines.size() - 1), value)
        .as((i, v) -> {
          String[] copy = lines.toArray(String[]::new);
          String l = copy[i];
          int colon = l.indexOf(':');
          copy[i] = colon < 0 ? l : l.substring(0, colon + 1) + " " + v;
          return String.join("\n", copy) + "\n";
        });
    Arbitrary<String> dropped = Arbitraries.integers().between(0, lines.size() - 1).map(i -> {
      List<String> copy = new java.util.ArrayList<>(lines);
      copy.remove((int) i);
      return String.join("\n", copy) + "\n";
    });
    Arbitrary<String> added = Combinators.combine(Arbitraries.of("", "  ", "    "),
        Arbitraries.of("bootstrap", "dcs", "ttl", "postgresql", "parameters", "watchdog", "mode", "tags", "nofailover",
            "restapi", "listen", "authentication", "superuser", "slots", "primus", "patroni_version", "callbacks"),
        value).as((indent, k, v) -> ConfigTestSupport.MINIMAL + indent + k + ": " + v + "\n");
    return Arbitraries.oneOf(replaced, dropped, added, Arbitraries.strings().ofMaxLength(80));
  }
}
