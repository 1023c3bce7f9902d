package dev.primus.agent;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The operator's scripts the agent runs around what happens to the database (Patroni's
 * {@code postgresql.callbacks} and {@code pre_promote}). Each callback is a command line (cut into words
 * as a POSIX shell would, but run without a shell) and gets {@code <event> <role> <scope>} appended.
 *
 * @param onStart      after the server started (or was found running when the agent started)
 * @param onStop       after a running server was stopped
 * @param onRestart    after a restart
 * @param onReload     after the configuration was reloaded into a running server
 * @param onRoleChange after a promotion, or a start in another role than the one announced last
 * @param prePromote   before a promotion, waited for: anything but exit code 0 fails the promotion
 * @param timeout      how long a script may run before it is killed ({@code callback_timeout}, a Primus key)
 */
public record CallbackScripts(
    Optional<String> onStart,
    Optional<String> onStop,
    Optional<String> onRestart,
    Optional<String> onReload,
    Optional<String> onRoleChange,
    Optional<String> prePromote,
    Duration timeout) {

  /** Patroni waits for a script without limit; Primus kills it after a minute unless configured otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** No scripts. */
  public static final CallbackScripts NONE = new CallbackScripts(Optional.empty(), Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_TIMEOUT);

  public CallbackScripts {
    Objects.requireNonNull(onStart, "onStart");
    Objects.requireNonNull(onStop, "onStop");
    Objects.requireNonNull(onRestart, "onRestart");
    Objects.requireNonNull(onReload, "onReload");
    Objects.requireNonNull(onRoleChange, "onRoleChange");
    Objects.requireNonNull(prePromote, "prePromote");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
  }

  /** Whether any script is configured. */
  public boolean any() {
    return onStart.isPresent() || onStop.isPresent() || onRestart.isPresent() || onReload.isPresent()
        || onRoleChange.isPresent() || prePromote.isPresent();
  }
}
