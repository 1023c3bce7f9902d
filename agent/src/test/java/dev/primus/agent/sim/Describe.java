package dev.primus.agent.sim;

import dev.primus.ha.Action;
import dev.primus.ha.Decision;
import java.util.StringJoiner;

/** Short trace forms of decisions and actions (a member status dump is a screen long). */
final class Describe {
  private Describe() {}

  static String decision(Decision d) {
    StringJoiner j = new StringJoiner(", ", "[", "]");
    for (Action a : d.actions()) {
      j.add(action(a));
    }
    return d.reason() + " \"" + d.message() + "\" " + j + " recheck " + d.recheckAfter().toMillis() + "ms";
  }

  static String action(Action a) {
    String n = a.getClass().getSimpleName();
    if (a instanceof Action.TouchMember t) {
      return n + "(" + t.status().role().wire() + "," + t.status().state().wire() + ")";
    }
    if (a instanceof Action.WriteStatus w) {
      return n + "(" + w.status().optime() + ")";
    }
    if (a instanceof Action.WriteConfig w) {
      return n + "(pause=" + w.config().pause() + ", v" + w.expectedVersion().map(String::valueOf).orElse("-") + ")";
    }
    if (a instanceof Action.WriteHistory w) {
      return n + "(" + w.history().entries().size() + " entries)";
    }
    String s = a.toString();
    int i = s.indexOf('[');
    return i < 0 ? s : n + "(" + s.substring(i + 1, s.length() - 1) + ")";
  }
}
