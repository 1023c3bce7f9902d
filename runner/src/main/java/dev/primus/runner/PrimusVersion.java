package dev.primus.runner;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The agent's version, from the build ({@code version.properties}, filtered by Maven). */
public final class PrimusVersion {
  /**
   * The Patroni version Primus reports as its own where Patroni tools expect Patroni's: the member key's
   * {@code version}, {@code GET /patroni}'s {@code patroni.version}, the {@code patroni_version} metric.
   *
   * <p>Why a Patroni version and not Primus's own: readers parse that field as a Patroni release and switch
   * behaviour on it. A member below 2.1.0 makes a Patroni leader in the same cluster also write the legacy
   * {@code optime/leader} key; a leader at 4.0.0 or above makes Patroni 4 replicas trust the slot positions
   * in {@code /status} for the member slots they keep, which Primus does not maintain; and a version that
   * does not parse ({@code 0.1.0-SNAPSHOT}) is silently treated as unknown. Why 3.0.2: it is the release
   * Primus's wire compatibility is checked against (Debian's package; the recorded fixtures, patronictl
   * 3.0.2 run against Primus clusters), it is modern (at least 2.1.0: no legacy keys), and it stays below
   * 4.0.0, whose slot semantics Primus does not claim. Primus's own version is reported beside it, as
   * {@code primus_version} in {@code GET /patroni}, and by {@code primus version}.
   */
  public static final String PATRONI_COMPATIBLE = "3.0.2";

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
