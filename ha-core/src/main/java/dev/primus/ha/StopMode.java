package dev.primus.ha;

/** PostgreSQL's shutdown modes ({@code pg_ctl stop -m}). */
public enum StopMode {
  /** Wait for clients to disconnect. */
  SMART,
  /** Disconnect clients, write a shutdown checkpoint. */
  FAST,
  /** Stop at once; crash recovery on the next start. */
  IMMEDIATE
}
