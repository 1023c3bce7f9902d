package dev.primus.ha;

import java.util.List;

/** Small readers for assertions on decisions. */
final class Decisions {
  private Decisions() {}

  /** The kinds of the actions, in order: compare with {@code List.of(Action.X.class, ...)}. */
  static List<Class<?>> kinds(Decision d) {
    return d.actions().stream().<Class<?>>map(Object::getClass).toList();
  }

  static <A extends Action> A only(Decision d, Class<A> type) {
    List<A> found = d.actions().stream().filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected exactly one " + type.getSimpleName() + " in " + d);
    }
    return found.get(0);
  }
}
