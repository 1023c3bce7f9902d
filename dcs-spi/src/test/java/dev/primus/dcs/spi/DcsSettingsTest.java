package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class DcsSettingsTest {

  private static DcsSettings settings(Map<String, Object> section) {
    return new DcsSettings(section, Duration.ofSeconds(30), Duration.ofSeconds(10), DcsSettingsTest.class.getClassLoader());
  }

  @Test
  void hostsAsAYamlList() throws DcsConfigException {
    DcsSettings s = settings(Map.of("hosts", List.of("10.0.0.1:2379", "10.0.0.2:2379")));
    assertEquals(Optional.of(List.of("10.0.0.1:2379", "10.0.0.2:2379")), s.stringList("hosts"));
  }

  @Test
  void hostsAsACommaSeparatedString() throws DcsConfigException {
    DcsSettings s = settings(Map.of("hosts", "10.0.0.1:2379,10.0.0.2:2379 , 10.0.0.3:2379"));
    assertEquals(Optional.of(List.of("10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379")), s.stringList("hosts"));
  }

  @Test
  void aCommaStringIsTrimmedAtBothEndsAndEmptyItemsDropped() throws DcsConfigException {
    // Environment overrides (PATRONI_ETCD3_HOSTS=' h1:2379, h2:2379 ') keep the blanks YAML would strip.
    DcsSettings s = settings(Map.of("hosts", " h1:2379, h2:2379 ,, "));
    assertEquals(Optional.of(List.of("h1:2379", "h2:2379")), s.stringList("hosts"));
    assertEquals(Optional.of(List.of()), settings(Map.of("hosts", "  ")).stringList("hosts"));
  }

  @Test
  void aSingleHostStringIsAOneElementList() throws DcsConfigException {
    assertEquals(Optional.of(List.of("localhost:2181")), settings(Map.of("hosts", "localhost:2181")).stringList("hosts"));
  }

  @Test
  void aBadListItemNamesItsIndex() {
    DcsSettings s = settings(Map.of("hosts", List.of("h1:2379", Map.of("host", "h2"))));
    DcsConfigException e = assertThrows(DcsConfigException.class, () -> s.stringList("hosts"));
    assertEquals("hosts[1]", e.key());
    assertTrue(e.getMessage().startsWith("hosts[1]: expected a string"), e.getMessage());
  }

  @Test
  void hostsOfTheWrongTypeNameTheKey() {
    DcsSettings s = settings(Map.of("hosts", Map.of("a", "b")));
    DcsConfigException e = assertThrows(DcsConfigException.class, () -> s.stringList("hosts"));
    assertEquals("hosts", e.key());
    assertTrue(e.getMessage().startsWith("hosts: expected a list or a comma-separated string"), e.getMessage());
  }

  @Test
  void stringAcceptsScalarsAndRejectsCollectionsNamingTheKey() throws DcsConfigException {
    DcsSettings s = settings(Map.of("host", "h1", "port", 2379, "verify", true, "url", List.of("x")));
    assertEquals(Optional.of("h1"), s.string("host"));
    assertEquals(Optional.of("2379"), s.string("port"), "YAML reads 2379 as a number; a string is wanted");
    assertEquals(Optional.of("true"), s.string("verify"));
    DcsConfigException e = assertThrows(DcsConfigException.class, () -> s.string("url"));
    assertEquals("url", e.key());
    assertTrue(e.getMessage().startsWith("url: expected a string"), e.getMessage());
  }

  @Test
  void boolAcceptsBooleansAndTheirSpellingsOnly() throws DcsConfigException {
    DcsSettings s = settings(Map.of("a", true, "b", "False", "c", "TRUE", "d", "yes", "e", 1));
    assertEquals(Optional.of(true), s.bool("a"));
    assertEquals(Optional.of(false), s.bool("b"));
    assertEquals(Optional.of(true), s.bool("c"));
    for (String key : List.of("d", "e")) {
      DcsConfigException e = assertThrows(DcsConfigException.class, () -> s.bool(key));
      assertEquals(key, e.key());
      assertTrue(e.getMessage().startsWith(key + ": expected true or false"), e.getMessage());
    }
  }

  @Test
  void missingAndNullKeysAreEmpty() throws DcsConfigException {
    Map<String, Object> section = new HashMap<>();
    section.put("hosts", null);
    DcsSettings s = settings(section);
    assertEquals(Optional.empty(), s.stringList("hosts"), "a key present with null (YAML 'hosts:') is absent");
    assertEquals(Optional.empty(), s.string("nope"));
    assertEquals(Optional.empty(), s.bool("nope"));
    assertEquals(Map.of(), s.section());
  }

  @Test
  void theSectionIsAnImmutableCopy() {
    Map<String, Object> section = new HashMap<>(Map.of("host", "h1"));
    DcsSettings s = settings(section);
    section.put("host", "h2");
    assertEquals("h1", s.section().get("host"), "later changes to the caller's map do not leak in");
    assertThrows(UnsupportedOperationException.class, () -> s.section().put("x", "y"));
  }

  @Test
  void timingsAndLoaderAreRequired() {
    ClassLoader loader = getClass().getClassLoader();
    Map<String, Object> none = Map.of();
    for (Object[] bad : Arrays.asList(
        new Object[] {null, Duration.ofSeconds(10), loader, "ttl"},
        new Object[] {Duration.ofSeconds(30), null, loader, "retryTimeout"},
        new Object[] {Duration.ofSeconds(30), Duration.ofSeconds(10), null, "classLoader"})) {
      NullPointerException e = assertThrows(NullPointerException.class,
          () -> new DcsSettings(none, (Duration) bad[0], (Duration) bad[1], (ClassLoader) bad[2]));
      assertEquals(bad[3], e.getMessage());
    }
  }

  @Test
  void aConfigErrorCarriesItsKey() {
    DcsConfigException e = new DcsConfigException("hosts[2]", "expected a string, got Map '{}'");
    assertEquals("hosts[2]", e.key());
    assertEquals("hosts[2]: expected a string, got Map '{}'", e.getMessage());
  }
}
