package dev.primus.runner.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.primus.runner.config.Secret;
import dev.primus.runner.wiring.RestClientTls;
import dev.primus.runner.wiring.RestClientTls.ServerCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys {@code primus ctl} takes its TLS settings from, as patronictl 3.0.2 does: {@code ctl.insecure}
 * (also {@code PATRONI_CTL_INSECURE}, also {@code -k}), {@code ctl.cacert} falling back to
 * {@code restapi.cafile}, and the client certificate, key and passphrase of {@code ctl} falling back to
 * {@code restapi}'s, in a member's full {@code patroni.yml} and in a file made for the ctl alone.
 */
class CtlSettingsTlsTest {
  @TempDir
  Path dir;

  private static final Set<String> DCS = Set.of("etcd3");
  private static final Map<String, String> NO_ENV = Map.of("HOME", "/home/postgres");

  private Path write(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, yaml);
    return f;
  }

  private static RestClientTls tls(CtlSettings s) {
    return RestClientTls.forCtl(s.ctl(), Optional.empty(), false);
  }

  @Test
  void aCtlOnlyFileIsInsecureWithPatroniCtlInsecure() throws Exception {
    Path f = write("ctl.yml", "etcd3:\n  hosts: 127.0.0.1:2379\nctl:\n  cacert: /etc/ca.pem\n");

    CtlSettings plain = CtlSettings.read(f, NO_ENV, DCS);
    assertFalse(plain.ctl().insecure());
    assertEquals(ServerCheck.CHAIN_AND_HOST_NAME, tls(plain).serverCheck());
    assertEquals(Optional.of(Path.of("/etc/ca.pem")), tls(plain).cafile());

    CtlSettings env = CtlSettings.read(f, Map.of("HOME", "/home/postgres", "PATRONI_CTL_INSECURE", "true"), DCS);
    assertTrue(env.ctl().insecure(), "PATRONI_CTL_INSECURE");
    assertEquals(ServerCheck.NOTHING, tls(env).serverCheck());

    assertEquals(ServerCheck.NOTHING, tls(plain.insecure()).serverCheck(), "-k");
    assertTrue(CtlSettings.read(write("on.yml", "etcd3:\n  hosts: 127.0.0.1:2379\nctl:\n  insecure: 'on'\n"), NO_ENV, DCS)
        .ctl().insecure(), "Patroni's booleans as text");
  }

  @Test
  void aCtlOnlyFileFallsBackToRestapisCaBundleAndCertificate() throws Exception {
    Path f = write("ctl.yml", String.join("\n", "etcd3:", "  hosts: 127.0.0.1:2379", "restapi:",
        "  cafile: /etc/api/ca.pem", "  certfile: /etc/api/server.pem", "  keyfile: /etc/api/server.key",
        "  keyfile_password: pw", "ctl:", "  insecure: true", ""));
    CtlSettings s = CtlSettings.read(f, NO_ENV, DCS);
    RestClientTls t = tls(s);
    assertEquals(ServerCheck.CHAIN, t.serverCheck(), "a client certificate: the chain is checked even when insecure");
    assertEquals(Optional.of(Path.of("/etc/api/ca.pem")), t.cafile());
    assertEquals(Optional.of(new RestClientTls.ClientCertificate(Path.of("/etc/api/server.pem"),
        Optional.of(Path.of("/etc/api/server.key")), Optional.of(Secret.of("pw")))), t.clientCertificate());
  }

  @Test
  void aMembersFileGivesCtlsKeysFirstThenRestapis() throws Exception {
    Path f = write("patroni.yml", String.join("\n",
        "scope: demo",
        "name: node1",
        "restapi:",
        "  listen: 0.0.0.0:8008",
        "  connect_address: 10.0.0.1:8008",
        "  cafile: /etc/api/ca.pem",
        "  certfile: /etc/api/server.pem",
        "  keyfile: /etc/api/server.key",
        "ctl:",
        "  cacert: /etc/ctl/ca.pem",
        "  certfile: /etc/ctl/client.pem",
        "etcd3:",
        "  hosts: 10.0.0.10:2379",
        "postgresql:",
        "  listen: 0.0.0.0:5432",
        "  connect_address: 10.0.0.1:5432",
        "  data_dir: /var/lib/postgresql/data",
        ""));
    CtlSettings s = CtlSettings.read(f, NO_ENV, DCS);
    assertEquals(Optional.of("demo"), s.scope(), "read by the agent's loader");
    RestClientTls t = tls(s);
    assertEquals(ServerCheck.CHAIN_AND_HOST_NAME, t.serverCheck());
    assertEquals(Optional.of(Path.of("/etc/ctl/ca.pem")), t.cafile());
    assertEquals(Optional.of(new RestClientTls.ClientCertificate(Path.of("/etc/ctl/client.pem"),
        Optional.of(Path.of("/etc/api/server.key")), Optional.empty())), t.clientCertificate(),
        "each key on its own, as Patroni's _get_cfg_value: ctl's certfile, restapi's keyfile");

    CtlSettings env = CtlSettings.read(f, Map.of("HOME", "/home/postgres", "PATRONI_CTL_INSECURE", "yes"), DCS);
    assertEquals(ServerCheck.CHAIN, tls(env).serverCheck(), "insecure spares the name only, with a client certificate");
  }
}
