package io.imagecensus.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON serialization whose bytes never depend on the platform: digests are taken over them. */
final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  // Docker CLI and the classic builder indent manifests with three spaces and "key": value.
  // The line feed is fixed because Jackson's default would be the platform's line separator.
  private static final ObjectWriter DOCKER_STYLE =
      MAPPER.writer(
          new DefaultPrettyPrinter(
                  Separators.createDefaultInstance()
                      .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
              .withObjectIndenter(new DefaultIndenter("   ", "\n"))
              .withArrayIndenter(new DefaultIndenter("   ", "\n")));

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static JsonNode parse(String json) throws JsonProcessingException {
    return MAPPER.readTree(json);
  }

  static byte[] compact(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Tried to serialize " + node + " but failed", e);
    }
  }

  static byte[] dockerStyle(JsonNode node) {
    try {
      return DOCKER_STYLE.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Tried to serialize " + node + " but failed", e);
    }
  }
}
