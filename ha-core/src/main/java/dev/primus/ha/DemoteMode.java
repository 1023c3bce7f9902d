package dev.primus.ha;

/**
 * How a primary steps down (Patroni's demote modes).
 *
 * <table>
 *   <caption>What each mode does</caption>
 *   <tr><th>mode</th><th>stop</th><th>checkpoint first</th><th>release the lock</th><th>when</th></tr>
 *   <tr><td>{@link #OFFLINE}</td><td>fast</td><td>no</td><td>no</td><td>the DCS is unreachable</td></tr>
 *   <tr><td>{@link #GRACEFUL}</td><td>fast</td><td>yes</td><td>yes</td><td>switchover</td></tr>
 *   <tr><td>{@link #IMMEDIATE}</td><td>immediate</td><td>no</td><td>yes</td><td>an unsuitable primary</td></tr>
 *   <tr><td>{@link #IMMEDIATE_NOLOCK}</td><td>immediate</td><td>no</td><td>no (already lost)</td><td>lock lost</td></tr>
 * </table>
 */
public enum DemoteMode {
  OFFLINE(StopMode.FAST, false, false),
  GRACEFUL(StopMode.FAST, true, true),
  IMMEDIATE(StopMode.IMMEDIATE, false, true),
  IMMEDIATE_NOLOCK(StopMode.IMMEDIATE, false, false);

  private final StopMode stopMode;
  private final boolean checkpointFirst;
  private final boolean releasesLock;

  DemoteMode(StopMode stopMode, boolean checkpointFirst, boolean releasesLock) {
    this.stopMode = stopMode;
    this.checkpointFirst = checkpointFirst;
    this.releasesLock = releasesLock;
  }

  public StopMode stopMode() {
    return stopMode;
  }

  public boolean checkpointFirst() {
    return checkpointFirst;
  }

  public boolean releasesLock() {
    return releasesLock;
  }
}
