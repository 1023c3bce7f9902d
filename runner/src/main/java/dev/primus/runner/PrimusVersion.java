package dev.primus.runner;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The agent's version, from the build ({@code version.properties}, filtered by Maven). */
public final class PrimusVersion {
  private static final String VERSION = read();

  private PrimusVersion() {}

  /** e.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} when run from classes without the filtered resource. */
  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = PrimusVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.contains("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** picocli's {@code --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"primus " + get()};
    }
  }
}
