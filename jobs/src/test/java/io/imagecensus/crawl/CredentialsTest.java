package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private final Credentials credentials = new Credentials("ci-bot", "s3cret");

  @Test
  void toStringShowsTheUserButNeverThePassword() {
    assertThat(credentials.toString()).isEqualTo("Credentials[username=ci-bot, password=****]");
    assertThat(credentials.toString()).doesNotContain("s3cret");
  }

  @Test
  void thePasswordStaysHiddenInsideCollections() {
    assertThat(List.of(credentials).toString()).doesNotContain("s3cret");
    assertThat(Map.of("erp", credentials).toString()).doesNotContain("s3cret");
  }

  @Test
  void buildsTheBasicAuthorizationHeader() {
    // base64("ci-bot:s3cret")
    assertThat(credentials.basicHeader()).isEqualTo("Basic Y2ktYm90OnMzY3JldA==");
  }
}
