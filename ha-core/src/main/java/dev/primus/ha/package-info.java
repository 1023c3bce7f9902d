/**
 * The pure decision engine.
 *
 * <p>One HA cycle is {@code observe → decide → act}. Observation ({@link dev.primus.ha.Observation}: the
 * cluster as the DCS holds it, the local database as the driver probed it, peers' answers when a leader
 * race needs them) and the current time go in; a {@link dev.primus.ha.Decision} (ordered
 * {@link dev.primus.ha.Action}s, a {@link dev.primus.ha.Reason}, when to look again) comes out. The
 * engine does no I/O, starts no thread and reads no clock: the runner (or an embedder, or the
 * simulator) executes the actions and feeds their outcomes back through
 * {@link dev.primus.ha.AgentMemory}.
 */
package dev.primus.ha;
