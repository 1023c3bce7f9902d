package dev.primus.runner.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A request body read strictly: a JSON object, no duplicate keys, no trailing text, and only the fields
 * the endpoint knows. Each problem becomes a {@link BadRequest} whose message names it.
 */
final class JsonBody {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final Map<String, Object> fields;

  private JsonBody(Map<String, Object> fields) {
    this.fields = fields;
  }

  /** Parses {@code bytes} as a JSON object; an empty body is an empty object. */
  @SuppressWarnings("unchecked")
  static JsonBody parse(byte[] bytes) throws BadRequest {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return new JsonBody(new LinkedHashMap<>());
    }
    Object parsed;
    try {
      parsed = MAPPER.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (!(parsed instanceof Map)) {
      throw new BadRequest("the body must be a JSON object, got " + describe(parsed));
    }
    return new JsonBody((Map<String, Object>) parsed);
  }

  Map<String, Object> fields() {
    return fields;
  }

  boolean isEmpty() {
    return fields.isEmpty();
  }

  /** Rejects any field not in {@code allowed}, naming it and the allowed ones. */
  JsonBody only(Set<String> allowed) throws BadRequest {
    for (String k : fields.keySet()) {
      if (!allowed.contains(k)) {
        throw new BadRequest("unknown field '" + k + "'; expected " + String.join(", ", new java.util.TreeSet<>(allowed)));
      }
    }
    return this;
  }

  /** A string field; null and absent are both empty. */
  Optional<String> string(String key) throws BadRequest {
    Object v = fields.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof String s) {
      return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
    throw new BadRequest("field '" + key + "' must be a string, got " + describe(v));
  }

  /** A boolean field; also accepts the strings true/false, as Patroni's clients send either. */
  boolean bool(String key) throws BadRequest {
    Object v = fields.get(key);
    if (v == null) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new BadRequest("field '" + key + "' must be true or false, got " + describe(v));
  }

  static String describe(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Map) {
      return "an object";
    }
    if (v instanceof List) {
      return "an array";
    }
    if (v instanceof String) {
      return "the string \"" + v + "\"";
    }
    return String.valueOf(v);
  }

  /** The request is malformed: HTTP 400 with this message. */
  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
