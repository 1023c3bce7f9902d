package dev.primus.dcs.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness fails, never skips, without an etcd binary, and says how to install one. */
class EtcdServersTest {

  @Test
  void aMissingBinaryFailsWithTheInstallCommand(@TempDir Path empty) {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> EtcdServers.binary(Map.of("PATH", empty.toString()), empty.resolve("etcd")));
    assertTrue(e.getMessage().contains("apt-get install -y etcd-server"), e.getMessage());
  }

  @Test
  void theBinaryIsFoundOnThePath(@TempDir Path dir) throws Exception {
    Path etcd = Files.createFile(dir.resolve("etcd"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    assertEquals(etcd, EtcdServers.binary(Map.of("PATH", "/nonexistent:" + dir), dir.resolve("none")));
    assertEquals(etcd, EtcdServers.binary(Map.of("PRIMUS_ETCD_BIN", etcd.toString()), dir.resolve("none")));
    assertThrows(IllegalStateException.class,
        () -> EtcdServers.binary(Map.of("PRIMUS_ETCD_BIN", dir.resolve("nope").toString()), etcd));
  }
}
