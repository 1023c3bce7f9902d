package dev.primus.dcs.zookeeper;

import static dev.primus.dcs.zookeeper.Requests.await;

import dev.primus.dcs.spi.DcsException;
import dev.primus.dcs.spi.DcsException.Kind;
import dev.primus.dcs.spi.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;

/** Key and prefix rules, and the walk of the znodes under a prefix. */
final class Tree {
  /** ZooKeeper's own subtree (quotas, dynamic configuration): never a key. */
  static final String RESERVED = "/zookeeper";

  private Tree() {}

  /**
   * Where the keys of a prefix live. SPI prefixes are string prefixes, as in etcd: {@code /a/b} matches
   * {@code /a/b}, {@code /a/bc} and {@code /a/b/c}. So the walk lists {@code root} and follows the
   * children whose names start with {@code namePrefix}; a prefix ending in {@code /} follows them all.
   */
  record Scope(String prefix, String root, String namePrefix) {

    boolean matches(String path) {
      return path.startsWith(prefix) && !isReserved(path);
    }
  }

  static Scope scope(String prefix) throws DcsException {
    if (prefix == null || !prefix.startsWith("/")) {
      throw new DcsException(Kind.INVALID_REQUEST, "a prefix must start with '/', got " + quote(prefix));
    }
    int slash = prefix.lastIndexOf('/');
    String root = slash == 0 ? "/" : prefix.substring(0, slash);
    try {
      PathUtils.validatePath(root);
    } catch (IllegalArgumentException e) {
      throw new DcsException(Kind.INVALID_REQUEST, "invalid prefix " + quote(prefix) + ": " + e.getMessage());
    }
    if (prefix.indexOf('\0') >= 0) {
      throw new DcsException(Kind.INVALID_REQUEST, "invalid prefix " + quote(prefix) + ": contains NUL");
    }
    return new Scope(prefix, root, prefix.substring(slash + 1));
  }

  static void checkKey(String key) throws DcsException {
    if (key == null) {
      throw new DcsException(Kind.INVALID_REQUEST, "key is null");
    }
    try {
      PathUtils.validatePath(key);
    } catch (IllegalArgumentException e) {
      throw new DcsException(Kind.INVALID_REQUEST, "invalid key " + quote(key) + " for ZooKeeper: " + e.getMessage());
    }
    if (key.equals("/") || isReserved(key)) {
      throw new DcsException(Kind.INVALID_REQUEST, "key " + quote(key) + " is reserved by ZooKeeper");
    }
  }

  static boolean isReserved(String path) {
    return path.equals(RESERVED) || path.startsWith(RESERVED + "/");
  }

  static String child(String parent, String name) {
    return parent.equals("/") ? "/" + name : parent + "/" + name;
  }

  static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash <= 0 ? "/" : path.substring(0, slash);
  }

  /** Ancestors of {@code path}, top down, without {@code /} and without the path itself. */
  static List<String> ancestors(String path) {
    List<String> out = new ArrayList<>();
    for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
      out.add(path.substring(0, i));
    }
    return out;
  }

  private static String quote(String s) {
    return s == null ? "null" : "'" + s + "'";
  }

  /**
   * What a walk saw.
   *
   * @param nodes           every znode under the prefix (keys and directories), in walk order
   * @param contentRevision the newest zxid that changed anything under the prefix as far as the walk
   *                        can tell: max of mzxid (creations, writes) and pzxid (child creations and
   *                        deletions) of the nodes walked, and the pzxid of the listed root (or of its
   *                        nearest existing ancestor when it is gone)
   */
  record Walk(List<Node> nodes, long contentRevision) {

    List<KeyValue> entries() {
      return nodes.stream().filter(Node::isKey).map(Node::toKeyValue)
          .sorted(Comparator.comparing(KeyValue::key)).toList();
    }
  }

  /**
   * Reads every znode under the prefix, one tree level per round trip: the requests of a level are
   * pipelined on the connection. ZooKeeper has no multi-key snapshot; the walk is a sequence of reads on
   * one session, each at least as new as the previous one (the watch covers what changes meanwhile).
   */
  static Walk walk(ZxidZooKeeper zk, Scope scope, Deadline deadline)
      throws KeeperException, InterruptedException, TimeoutException {
    Requests.Children top;
    try {
      top = await(Requests.getChildrenAndStat(zk, scope.root()), deadline);
    } catch (KeeperException.NoNodeException e) {
      return new Walk(List.of(), ancestorPzxid(zk, scope.root(), deadline));
    }
    long revision = top.stat().getPzxid();
    List<String> level = new ArrayList<>();
    for (String name : top.names()) {
      String path = child(scope.root(), name);
      if (name.startsWith(scope.namePrefix()) && !isReserved(path)) {
        level.add(path);
      }
    }
    List<Node> nodes = new ArrayList<>();
    while (!level.isEmpty()) {
      List<CompletableFuture<Node>> data = new ArrayList<>(level.size());
      List<CompletableFuture<List<String>>> children = new ArrayList<>(level.size());
      // Data and children of a level in one round trip; a leaf's empty child list costs little.
      for (String path : level) {
        data.add(Requests.getData(zk, path));
        children.add(Requests.getChildren(zk, path));
      }
      List<String> next = new ArrayList<>();
      for (int i = 0; i < level.size(); i++) {
        Node node;
        List<String> names;
        try {
          node = await(data.get(i), deadline);
          names = await(children.get(i), deadline);
        } catch (KeeperException.NoNodeException e) {
          continue; // deleted while walking: its parent's pzxid or the watch reports it
        }
        Stat stat = node.stat();
        revision = Math.max(revision, Math.max(stat.getMzxid(), stat.getPzxid()));
        nodes.add(node);
        for (String name : names) {
          next.add(child(node.path(), name));
        }
      }
      level = next;
    }
    return new Walk(nodes, revision);
  }

  private static long ancestorPzxid(ZxidZooKeeper zk, String path, Deadline deadline)
      throws KeeperException, InterruptedException, TimeoutException {
    String p = path;
    while (!p.equals("/")) {
      p = parent(p);
      Stat stat = await(Requests.exists(zk, p), deadline);
      if (stat != null) {
        return stat.getPzxid();
      }
    }
    return 0;
  }
}
