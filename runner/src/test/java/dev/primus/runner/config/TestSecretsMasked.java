package dev.primus.runner.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** No password, token or key passphrase appears in toString() or in the dump. */
class TestSecretsMasked {
  private static final List<String> SECRETS = List.of("rest-api-secret", "etcd-secret", "admin-secret", "rep-pass",
      "zalando", "rewind_password", "env-token", "key-pass", "url-pass");

  private final PatroniConfig config = PatroniConfigLoader.load(
      ConfigTestSupport.resource("/config/postgres0.yml")
          .replace("  protocol: http", "  protocol: http\n  url: http://root:url-pass@etcd:2379")
          .replace("  request_queue_size: 16", "  request_queue_size: 16\n  keyfile_password: key-pass\n"
              + "  certfile: /etc/ssl/rest.pem"),
      Map.of("PATRONI_ETCD3_TOKEN", "env-token", "HOME", "/home/postgres")).orThrow();

  @Test
  void toStringMasksEverySecret() {
    String s = config.toString();
    for (String secret : SECRETS) {
      assertFalse(s.contains(secret), () -> "toString() shows " + secret + ": " + s);
    }
    assertTrue(s.contains(Secret.MASK));
  }

  @Test
  void dumpMasksEverySecretAndKeepsTheRest() {
    String dump = config.dump();
    for (String secret : SECRETS) {
      assertFalse(dump.contains(secret), () -> "dump shows " + secret + ":\n" + dump);
    }
    assertTrue(dump.contains("data_dir: data/postgresql0"), dump);
    assertTrue(dump.contains("url: http://root:" + Secret.MASK + "@etcd:2379"), dump);
  }

  @Test
  void secretsAreStillThereForWhoeverSendsThem() {
    assertEquals("rest-api-secret", config.restapi().authentication().orElseThrow().password().reveal());
    assertEquals("key-pass", config.restapi().keyfilePassword().orElseThrow().reveal());
    assertEquals("env-token", config.dcs().settings().get("token"));
    assertEquals("******", Secret.of("x").toString());
  }
}
