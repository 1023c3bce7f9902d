package dev.primus.ha.sim;

import dev.primus.dcs.layout.AcquireOutcome;
import dev.primus.dcs.layout.PatroniDcs;
import dev.primus.dcs.layout.ReleaseOutcome;
import dev.primus.dcs.layout.RenewOutcome;
import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DeleteResult;
import dev.primus.dcs.spi.WriteResult;
import dev.primus.ha.Action;
import dev.primus.ha.ActionOutcome;
import java.util.Optional;

/**
 * The DCS actions of a decision, mapped onto the real {@link PatroniDcs} the way the runner's executor
 * maps them: one call each; a lost race or a moved version is a {@link ActionOutcome.Conflict}, a store
 * that cannot be asked is {@link ActionOutcome.DcsUnavailable}.
 */
final class DcsCalls {
  private DcsCalls() {}

  /** The outcome of {@code a} if it is a DCS action, else empty. */
  static Optional<ActionOutcome> run(Action a, PatroniDcs dcs) {
    return Optional.ofNullable(call(a, dcs));
  }

  private static ActionOutcome call(Action a, PatroniDcs dcs) {
    try {
      if (a instanceof Action.AcquireLeaderLock) {
        AcquireOutcome r = dcs.acquireLeaderLock();
        return r.acquired() ? ok() : conflict("lock held by " + ((AcquireOutcome.HeldBy) r).holder().orElse("?"));
      }
      if (a instanceof Action.RenewLeaderLock) {
        RenewOutcome r = dcs.renewLeaderLock();
        if (r instanceof RenewOutcome.Lost lost) {
          return conflict("lock lost to " + lost.holder().orElse("?"));
        }
        return r instanceof RenewOutcome.Gone ? conflict("leader key gone, not re-created") : ok();
      }
      if (a instanceof Action.ReleaseLeaderLock) {
        ReleaseOutcome r = dcs.releaseLeaderLock();
        return r == ReleaseOutcome.HELD_BY_OTHER ? conflict("lock held by another member") : ok();
      }
      if (a instanceof Action.RaceInitialize) {
        return written(dcs.raceInitialize(""));
      }
      if (a instanceof Action.WriteInitialize w) {
        return written(w.expectedVersion().isPresent()
            ? dcs.writeInitialize(w.systemIdentifier(), w.expectedVersion().get())
            : dcs.raceInitialize(w.systemIdentifier()));
      }
      if (a instanceof Action.CancelInitialize) {
        try {
          return dcs.cancelInitialize() == DeleteResult.CONFLICT ? conflict("initialize changed") : ok();
        } catch (IllegalStateException e) {
          return new ActionOutcome.Failed(e.getMessage());
        }
      }
      if (a instanceof Action.TouchMember t) {
        dcs.touchMember(t.status());
        return ok();
      }
      if (a instanceof Action.WriteConfig w) {
        return written(dcs.writeConfig(w.config(), w.expectedVersion()));
      }
      if (a instanceof Action.WriteStatus w) {
        dcs.writeStatus(w.status());
        return ok();
      }
      if (a instanceof Action.WriteHistory w) {
        dcs.writeHistory(w.history());
        return ok();
      }
      if (a instanceof Action.ClearFailover c) {
        return written(dcs.clearFailover(c.version()));
      }
      if (a instanceof Action.WriteFailover w) {
        return written(dcs.writeFailover(w.request(), Optional.of(w.version())));
      }
      if (a instanceof Action.WriteSyncState w) {
        return written(dcs.writeSync(w.state(), w.expectedVersion()));
      }
      if (a instanceof Action.WriteFailsafe w) {
        dcs.writeFailsafe(w.members());
        return ok();
      }
      if (a instanceof Action.DeleteFailsafe) {
        return dcs.deleteFailsafe() == DeleteResult.CONFLICT ? conflict("failsafe kept changing") : ok();
      }
      if (a instanceof Action.DeleteSyncState del) {
        return dcs.deleteSync(del.version()) == DeleteResult.CONFLICT ? conflict("sync changed") : ok();
      }
    } catch (DcsException e) {
      return new ActionOutcome.DcsUnavailable(e.kind() + ": " + e.getMessage());
    }
    return null;
  }

  private static ActionOutcome written(WriteResult r) {
    return r.succeeded() ? ok() : conflict("CAS conflict: " + r);
  }

  private static ActionOutcome ok() {
    return new ActionOutcome.Succeeded();
  }

  private static ActionOutcome conflict(String why) {
    return new ActionOutcome.Conflict(why);
  }
}
