package dev.primus.runner.rest;

import dev.primus.runner.config.HostPort;
import dev.primus.runner.config.RestApiConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/** Starts servers on free loopback ports for a test and stops them afterwards. */
final class RestServers implements AutoCloseable {
  private final List<RestApiServer> started = new ArrayList<>();
  final MutableClock clock = new MutableClock(TestNodes.RECORDED);

  static RestApiConfig plain() {
    return RestApiConfig.plain(new HostPort("127.0.0.1", 8008), new HostPort("127.0.0.1", 8008));
  }

  RestClient start(RestApiConfig config, NodeIdentity id, NodeStatusSource status, dev.primus.agent.AgentCommands commands)
      throws IOException, GeneralSecurityException {
    return new RestClient(server(config, id, status, commands));
  }

  RestApiServer server(RestApiConfig config, NodeIdentity id, NodeStatusSource status, dev.primus.agent.AgentCommands commands)
      throws IOException, GeneralSecurityException {
    RestApiServer s = RestApiServer.start(new InetSocketAddress("127.0.0.1", 0), config, id, status, commands, clock);
    started.add(s);
    return s;
  }

  @Override
  public void close() {
    started.forEach(RestApiServer::close);
  }
}
