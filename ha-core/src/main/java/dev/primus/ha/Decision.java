package dev.primus.ha;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one cycle decided: the actions to run in order, why, and when to look again.
 *
 * @param actions      to run in order; the executor stops at the first failure
 * @param reason       the typed outcome of the cycle
 * @param member       this member's name (for the message)
 * @param leader       the leader the message talks about, if any
 * @param recheckAfter the longest the loop may wait before the next cycle (a DCS watch event or a
 *                     finished long action may wake it sooner)
 */
public record Decision(List<Action> actions, Reason reason, String member, Optional<String> leader, Duration recheckAfter) {
  public Decision {
    actions = List.copyOf(actions);
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(member, "member");
    Objects.requireNonNull(leader, "leader");
    Objects.requireNonNull(recheckAfter, "recheckAfter");
    if (recheckAfter.isNegative()) {
      throw new IllegalArgumentException("recheckAfter must not be negative, got " + recheckAfter);
    }
  }

  /** The operator's log line, Patroni style, derived from {@link #reason()}. */
  public String message() {
    return reason.message(member, leader.orElse(""));
  }

  /** The first action of the given type, if the decision has one. */
  public <A extends Action> Optional<A> first(Class<A> type) {
    return actions.stream().filter(type::isInstance).map(type::cast).findFirst();
  }

  public boolean has(Class<? extends Action> type) {
    return first(type).isPresent();
  }

  @Override
  public String toString() {
    return message() + " " + actions;
  }
}
