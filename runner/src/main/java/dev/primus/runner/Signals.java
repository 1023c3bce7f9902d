package dev.primus.runner;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP handling through {@code sun.misc.Signal}, looked up reflectively: it is not a standard API, so
 * on a JVM without it (or one that refuses the signal, e.g. when the JVM itself uses it) the agent runs
 * on without, and {@code POST /reload} remains the way to reload. SIGTERM needs nothing of this: it runs
 * the JVM's shutdown hooks.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Runs {@code action} on every SIGHUP; false if that cannot be arranged here. */
  static boolean onHangup(Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
      InvocationHandler h = (Object proxy, Method m, Object[] args) -> {
        if (m.getName().equals("handle")) {
          LOG.info("SIGHUP received: reloading the configuration");
          action.run();
          return null;
        }
        if (m.getName().equals("toString")) {
          return "primus SIGHUP handler";
        }
        if (m.getName().equals("hashCode")) {
          return System.identityHashCode(proxy);
        }
        if (m.getName().equals("equals")) {
          return proxy == args[0];
        }
        return null;
      };
      Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerClass}, h);
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.info("SIGHUP cannot be handled on this JVM ({}); use POST /reload to reload", e);
      return false;
    }
  }
}
