package dev.primus.dcs.layout;

/**
 * JSON as plain Java values ({@link java.util.Map} in document order, {@link java.util.List},
 * {@link String}, {@link Boolean}, numbers, {@code null}), for code that speaks Patroni's JSON besides the
 * DCS keys (the REST documents agents exchange) and should not depend on a JSON library of its own. The
 * same parser and writer as the codec: one document per value, trailing garbage refused, non-ASCII escaped
 * as Python's {@code json.dumps} does.
 */
public final class PlainJson {
  private PlainJson() {}

  /**
   * Parses one JSON document.
   *
   * @throws IllegalArgumentException if {@code raw} is not one JSON document; the message says why
   */
  public static Object parse(String raw) {
    try {
      return Json.parse(raw);
    } catch (BadValue e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * Writes a plain value compactly, every object's keys sorted.
   *
   * @throws IllegalArgumentException for a value that is not a plain JSON value, naming where it is
   */
  public static String write(Object value) {
    return Json.write(Json.node(value, ""));
  }
}
