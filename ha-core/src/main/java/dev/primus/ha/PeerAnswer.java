package dev.primus.ha;

import java.util.Objects;

/** One peer's answer to a status query. */
public sealed interface PeerAnswer {

  /** The peer answered. */
  record Answered(PeerStatus status) implements PeerAnswer {
    public Answered {
      Objects.requireNonNull(status, "status");
    }
  }

  /** No answer within the timeout, or an unusable one. */
  record NoAnswer(String reason) implements PeerAnswer {
    public NoAnswer {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
