package dev.primus.dcs.layout;

/**
 * A value read from the DCS does not have the expected shape. Internal to the codec: every public
 * decode method turns it into an {@link dev.primus.dcs.model.InvalidValue}, so it never escapes.
 */
final class BadValue extends Exception {
  private static final long serialVersionUID = 1L;

  /** @param reason what is wrong, naming the field first (e.g. {@code "tags.nosync: expected ..."}) */
  BadValue(String reason) {
    // No stack trace: this is an expected outcome on a hot path, not a bug report.
    super(reason, null, false, false);
  }
}
