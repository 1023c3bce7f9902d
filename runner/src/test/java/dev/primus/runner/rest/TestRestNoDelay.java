package dev.primus.runner.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API's connections send without Nagle's delay: the JDK server writes an answer's headers and body
 * separately, and a load balancer polling on a keep-alive connection would otherwise wait for its own delayed
 * ACK before the body came (bench/failover --rest-load measured about 70 answers per second per member at
 * 1,000 asked, seconds late; 1,000 at once with TCP_NODELAY).
 */
class TestRestNoDelay {
  private final RestServers servers = new RestServers();

  @AfterEach
  void stop() {
    servers.close();
  }

  @Test
  void theServerAsksTheJdkForTcpNoDelay() throws Exception {
    RestClient c = servers.start(RestServers.plain(), TestNodes.LEADER_ID,
        new FakeStatusForRestTests(TestNodes.leader(TestNodes.RECORDED)), new FakeCommandsForRestTests(TestNodes.cluster()));
    assertEquals(200, c.get("/primary").statusCode());
    assertEquals("true", System.getProperty(RestApiServer.NODELAY),
        "set before the JDK's server reads it (when the first server starts)");
  }
}
