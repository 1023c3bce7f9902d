package dev.primus.runner.wiring;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code plugins/} directory: jars of vendor backends (a DCS provider, a database driver) that are not
 * in the shaded jar, put on a class loader above the agent's own so {@link java.util.ServiceLoader} finds
 * them.
 *
 * <p>Where it is: {@code --plugins DIR}, else {@code $PRIMUS_PLUGINS}, else {@code plugins/} next to the
 * jar Primus runs from. A directory named explicitly must exist; the default one may be missing.
 */
public final class Plugins {
  private Plugins() {}

  /** The plugin directory to use, if any; throws if one was named explicitly and does not exist. */
  public static Optional<Path> directory(Optional<Path> option, Map<String, String> env) {
    Optional<Path> named = option.or(() -> Optional.ofNullable(env.get("PRIMUS_PLUGINS")).filter(s -> !s.isBlank())
        .map(Path::of));
    if (named.isPresent()) {
      if (!Files.isDirectory(named.get())) {
        throw new IllegalArgumentException("plugin directory " + named.get() + " does not exist");
      }
      return named;
    }
    return nextToJar().filter(Files::isDirectory);
  }

  /** {@code plugins/} beside the jar this class was loaded from, when it was loaded from a jar. */
  static Optional<Path> nextToJar() {
    CodeSource cs = Plugins.class.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) {
      return Optional.empty();
    }
    try {
      Path location = Path.of(cs.getLocation().toURI());
      if (Files.isRegularFile(location) && location.getParent() != null) {
        return Optional.of(location.getParent().resolve("plugins"));
      }
    } catch (URISyntaxException | IllegalArgumentException e) {
      // Not a file location (e.g. a nested jar URL): no default directory.
    }
    return Optional.empty();
  }

  /** The jars in {@code dir}, sorted by name so the class path order is stable. */
  public static List<Path> jars(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".jar")).filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** A class loader that sees {@code parent} and the plugin jars; {@code parent} itself when there are none. */
  public static ClassLoader loader(Optional<Path> dir, ClassLoader parent) throws IOException {
    if (dir.isEmpty()) {
      return parent;
    }
    List<Path> jars = jars(dir.get());
    if (jars.isEmpty()) {
      return parent;
    }
    List<URL> urls = new ArrayList<>();
    for (Path j : jars) {
      try {
        urls.add(j.toUri().toURL());
      } catch (MalformedURLException e) {
        throw new IOException("cannot use plugin " + j + ": " + e.getMessage(), e);
      }
    }
    return new URLClassLoader("primus-plugins", urls.toArray(new URL[0]), parent);
  }
}
