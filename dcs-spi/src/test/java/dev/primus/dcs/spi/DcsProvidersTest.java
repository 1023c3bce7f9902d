package dev.primus.dcs.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Provider selection. The {@code META-INF/services} fixtures live under
 * {@code dev/primus/dcs/spi/providers/<case>/} and are reached through a dedicated class loader, which
 * is the point of {@link DcsProviders#load(ClassLoader)}: and because they are not at the root, no
 * module that puts this test-jar on its class path discovers them.
 */
final class DcsProvidersTest {

  @Test
  void providersAreFoundThroughTheGivenClassLoaderOnly() throws Exception {
    try (URLClassLoader loader = fixture("two")) {
      DcsProviders providers = DcsProviders.load(loader);
      assertEquals(new TreeSet<>(Set.of("alpha", "beta")), providers.names());
      DcsProvider alpha = providers.select("alpha");
      assertInstanceOf(Alpha.class, alpha);
      try (KeyValueStore store = alpha.create(settings(loader))) {
        assertTrue(store.connectionState().isConnected(), "the selected provider builds a store");
      }
    }
    assertFalse(DcsProviders.load(getClass().getClassLoader()).names().contains("alpha"),
        "the test class path itself must not carry the fixture (it would leak into every user of the test-jar)");
  }

  @Test
  void anUnknownNameListsTheKnownNamesAndTheArtifactsToAdd() throws Exception {
    try (URLClassLoader loader = fixture("two")) {
      DcsProviders providers = DcsProviders.load(loader);
      DcsProviders.UnknownProviderException e =
          assertThrows(DcsProviders.UnknownProviderException.class, () -> providers.select("etcd3"));
      String m = e.getMessage();
      assertTrue(m.contains("'etcd3'"), m);
      assertTrue(m.contains("known: alpha, beta"), m);
      assertTrue(m.contains("dev.primus:primus-dcs-etcd") && m.contains("primus-dcs-zookeeper")
          && m.contains("primus-dcs-consul"), "names the artifacts: " + m);
      assertTrue(m.contains("plugins/"), "says where a jar may go: " + m);
    }
  }

  @Test
  void anUnknownNameWithNoProvidersAtAllSaysNone() {
    DcsProviders none = DcsProviders.of(List.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> none.select("consul"));
    assertTrue(e.getMessage().contains("known: (none)"), e.getMessage());
  }

  @Test
  void twoProvidersWithOneNameFailNamingBothClasses() throws Exception {
    DcsProviders.DuplicateProviderException direct = assertThrows(DcsProviders.DuplicateProviderException.class,
        () -> DcsProviders.of(List.of(new Alpha(), new Beta(), new AlphaImpostor())));
    assertNamesBoth(direct.getMessage());

    try (URLClassLoader loader = fixture("clash")) {
      DcsProviders.DuplicateProviderException loaded =
          assertThrows(DcsProviders.DuplicateProviderException.class, () -> DcsProviders.load(loader));
      assertNamesBoth(loaded.getMessage());
    }
  }

  @Test
  void theDefaultArtifactHintNamesTheProvider() {
    assertEquals("the jar that provides DCS 'beta'", new Beta().artifact());
  }

  private static void assertNamesBoth(String m) {
    assertTrue(m.contains("'alpha'"), m);
    assertTrue(m.contains(Alpha.class.getName()), m);
    assertTrue(m.contains(AlphaImpostor.class.getName()), m);
  }

  private static URLClassLoader fixture(String name) {
    URL root = DcsProvidersTest.class.getResource("providers/" + name + "/");
    assertNotNull(root, "fixture directory providers/" + name + "/");
    return new URLClassLoader(new URL[] {root}, DcsProvidersTest.class.getClassLoader());
  }

  private static DcsSettings settings(ClassLoader loader) {
    return new DcsSettings(Map.of(), Duration.ofSeconds(30), Duration.ofSeconds(10), loader);
  }

  /** A provider of an in-memory store. Public with a public constructor, as ServiceLoader requires. */
  public static final class Alpha implements DcsProvider {
    @Override
    public String name() {
      return "alpha";
    }

    @Override
    public String artifact() {
      return "dev.primus:primus-alpha";
    }

    @Override
    public KeyValueStore create(DcsSettings settings) {
      return new InMemoryDcs(Clock.systemUTC()).client("alpha");
    }
  }

  /** A second provider, relying on the default artifact hint. */
  public static final class Beta implements DcsProvider {
    @Override
    public String name() {
      return "beta";
    }

    @Override
    public KeyValueStore create(DcsSettings settings) {
      return new InMemoryDcs(Clock.systemUTC()).client("beta");
    }
  }

  /** Claims {@code alpha} too: the clash the selection must refuse. */
  public static final class AlphaImpostor implements DcsProvider {
    @Override
    public String name() {
      return "alpha";
    }

    @Override
    public KeyValueStore create(DcsSettings settings) {
      throw new AssertionError("never selected");
    }
  }
}
