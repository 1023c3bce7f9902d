package dev.primus.runner.wiring;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * An {@link HttpClient} that does what its delegate does, except that a failed TLS handshake fails with
 * {@link RestClients#tlsFailure}'s explanation (what was checked, against which CAs, which keys change it)
 * instead of the JDK's bare {@code PKIX path building failed}. The agent's peer queries go through it, so a
 * refused switchover names {@code restapi.cafile} rather than leaving the operator to guess.
 */
final class ExplainingHttpClient extends HttpClient {
  private final HttpClient delegate;
  private final RestClientTls tls;

  ExplainingHttpClient(HttpClient delegate, RestClientTls tls) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.tls = Objects.requireNonNull(tls, "tls");
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    try {
      return delegate.send(request, handler);
    } catch (IOException e) {
      Optional<SSLException> ssl = ssl(e);
      if (ssl.isPresent()) {
        throw RestClients.tlsFailure(request.uri(), tls, ssl.get());
      }
      throw e;
    }
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    return explained(request, delegate.sendAsync(request, handler));
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    return explained(request, delegate.sendAsync(request, handler, push));
  }

  private <T> CompletableFuture<HttpResponse<T>> explained(HttpRequest request,
      CompletableFuture<HttpResponse<T>> sent) {
    CompletableFuture<HttpResponse<T>> out = new CompletableFuture<>();
    sent.whenComplete((r, e) -> {
      if (e == null) {
        out.complete(r);
        return;
      }
      Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
          ? e.getCause() : e;
      out.completeExceptionally(ssl(cause).<Throwable>map(s -> RestClients.tlsFailure(request.uri(), tls, s))
          .orElse(cause));
    });
    return out;
  }

  /** The first SSLException in {@code t}'s causes. */
  static Optional<SSLException> ssl(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SSLException s) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }
}
