package dev.primus.ha;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The answers to one round of {@link Action.AskFailsafe}.
 *
 * @param askedAt when the requests were sent: the members that accepted stay out of the leader race
 *                for a ttl from the moment they received them, which is never earlier than this
 * @param answers by member name; a member asked but missing here did not answer
 */
public record FailsafeAnswers(Instant askedAt, Map<String, FailsafeAnswer> answers) {
  public FailsafeAnswers {
    Objects.requireNonNull(askedAt, "askedAt");
    answers = Map.copyOf(answers);
  }
}
