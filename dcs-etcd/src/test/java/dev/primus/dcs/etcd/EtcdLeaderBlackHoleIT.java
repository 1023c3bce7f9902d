package dev.primus.dcs.etcd;

import dev.primus.dcs.spi.KeyValueStore;
import dev.primus.dcs.spi.NetnsLab;

/**
 * {@link EtcdBlackHoleIT} with the etcd LEADER black-holed: the two others elect a new leader (1 s
 * election timeout) while the store keeps its lease and its requests within retry_timeout.
 */
class EtcdLeaderBlackHoleIT extends EtcdBlackHoleIT {

  @Override
  protected int memberToBlackHole(NetnsLab lab, KeyValueStore client) throws Exception {
    for (int i = 0; i < lab.hosts(); i++) {
      if (metrics(lab.address(i)).lines().anyMatch(l -> l.equals("etcd_server_is_leader 1"))) {
        return i;
      }
    }
    throw new IllegalStateException("no etcd member reports itself the leader");
  }
}
