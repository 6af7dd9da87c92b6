package io.imagecensus.crawl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The body of a token service's answer: {@code token} or, per OAuth2, {@code access_token}. */
final class TokenResponse {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenResponse() {}

  static String parse(byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      JsonNode token = root.hasNonNull("token") ? root.get("token") : root.get("access_token");
      if (token == null || token.asText().isEmpty()) {
        throw new RegistryException("read a registry token", 200, "the token service's answer has no token field");
      }
      return token.asText();
    } catch (IOException e) {
      throw new RegistryException("read a registry token", 200, "the token service's answer is not JSON");
    }
  }
}
