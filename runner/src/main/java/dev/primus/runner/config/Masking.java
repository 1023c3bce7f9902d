package dev.primus.runner.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Masks secrets in untyped configuration (DCS sections, custom method sections, dumps) by key name,
 * because those keys are free-form and cannot carry a {@link Secret} type.
 */
final class Masking {
  /** user:password@ inside a URL, e.g. an etcd {@code url: https://root:pw@etcd:2379}. */
  private static final Pattern URL_CREDENTIALS = Pattern.compile("(\\w+://[^:/@\\s]+):[^@/\\s]+@");

  private Masking() {}

  /** Whether a value under this key is a secret. */
  static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.endsWith("password") || k.equals("token")
        || k.endsWith("_token") || k.contains("secret") || k.equals("auth_data") || k.equals("passphrase");
  }

  /** A copy of {@code value} with secrets replaced by {@link Secret#MASK}. */
  @SuppressWarnings("unchecked")
  static <T> T mask(T value) {
    return (T) maskValue(null, value);
  }

  private static Object maskValue(String key, Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Secret) {
      return Secret.MASK;
    }
    if (key != null && isSecretKey(key) && !(v instanceof Map) && !(v instanceof List)) {
      return Secret.MASK;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String k = String.valueOf(e.getKey());
        out.put(k, maskValue(k, e.getValue()));
      }
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      for (Object o : l) {
        out.add(maskValue(null, o));
      }
      return out;
    }
    if (v instanceof String s) {
      return URL_CREDENTIALS.matcher(s).replaceAll("$1:" + Secret.MASK + "@");
    }
    return v;
  }
}
