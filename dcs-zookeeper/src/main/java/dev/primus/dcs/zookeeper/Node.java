package dev.primus.dcs.zookeeper;

import dev.primus.dcs.spi.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.zookeeper.data.Stat;

/**
 * One znode as read: its data and stat.
 *
 * <p>ZooKeeper is a tree, the SPI a flat key space. Parents are created empty for deeper keys (as
 * Patroni does: {@code /service/pg/members} exists because {@code members/node1} does). Such a
 * <em>directory</em> is not a key, and it stays behind when its children go (an expired member leaves
 * {@code members} empty and childless), so it is told apart by its history: a znode with no data whose
 * children have ever changed ({@code cversion > 0}) is a directory. Every other znode is a key,
 * including an empty leaf such as {@code initialize = ""}, which never had children. (The one case this
 * rule hides: a key explicitly set to {@code ""} that once had keys below it.)
 */
record Node(String path, byte[] data, Stat stat) {

  /** ZooKeeper marks container nodes with this owner; they are not sessions. */
  private static final long CONTAINER_OWNER = Long.MIN_VALUE;

  Node {
    data = data == null ? new byte[0] : data;
  }

  boolean isKey() {
    return data.length > 0 || (stat.getNumChildren() == 0 && stat.getCversion() == 0);
  }

  String value() {
    return new String(data, StandardCharsets.UTF_8);
  }

  /** The session owning this node, or 0 for a node that outlives sessions. */
  long owner() {
    return sessionOwner(stat.getEphemeralOwner());
  }

  KeyValue toKeyValue() {
    long owner = owner();
    return new KeyValue(path, value(), stat.getMzxid(),
        owner == 0 ? Optional.empty() : Optional.of(leaseId(owner)));
  }

  static String leaseId(long sessionId) {
    return Long.toHexString(sessionId);
  }

  /**
   * The session in an {@code ephemeralOwner} field, or 0. Container nodes and TTL nodes (extended types:
   * top byte 0xFF) carry markers there, not sessions.
   */
  static long sessionOwner(long ephemeralOwner) {
    if (ephemeralOwner == 0 || ephemeralOwner == CONTAINER_OWNER || (ephemeralOwner >>> 56) == 0xFF) {
      return 0;
    }
    return ephemeralOwner;
  }
}
