package dev.primus.runner;

import dev.primus.runner.wiring.Plugins;
import dev.primus.runner.wiring.Backends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.primus.dcs.spi.DcsProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vendor backend dropped into plugins/ is found; without it, the error names what to add. */
class PluginsTest {

  @Test
  void aProviderAnnouncedByAPluginJarIsFound(@TempDir Path plugins) throws Exception {
    ClassLoader parent = getClass().getClassLoader();
    assertThrows(Backends.MissingBackendException.class, () -> Backends.dcs(parent, "plugin-probe"));

    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(plugins.resolve("vendor-dcs.jar")))) {
      jar.putNextEntry(new JarEntry("META-INF/services/" + DcsProvider.class.getName()));
      jar.write((PluginProbeDcsProvider.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
      jar.closeEntry();
    }
    ClassLoader withPlugins = Plugins.loader(Optional.of(plugins), parent);

    assertEquals("plugin-probe", Backends.dcs(withPlugins, "plugin-probe").name());
    assertFalse(withPlugins == parent);
    assertEquals(1, Plugins.jars(plugins).size());
  }
}
