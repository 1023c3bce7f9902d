package dev.primus.runner.ctl;

import dev.primus.dcs.model.ClusterView;
import java.util.Objects;

/**
 * The tables {@code primus ctl list} and {@code primus ctl history} print, for other commands that show a
 * cluster ({@code primus demo}): one rendering for operators, whichever command they ran.
 */
public final class Tables {
  private Tables() {}

  /** The member table of {@code ctl list} (patronictl 3.0.2's layout) for cluster {@code name}. */
  public static String list(ClusterView view, String name) {
    Objects.requireNonNull(view, "view");
    Objects.requireNonNull(name, "name");
    return ClusterTable.of(view, name, false, false).render(ClusterTable.Format.PRETTY);
  }

  /** The timeline table of {@code ctl history}. */
  public static String history(ClusterView view) {
    return CtlCommand.history(Objects.requireNonNull(view, "view").history(), "pretty");
  }
}
