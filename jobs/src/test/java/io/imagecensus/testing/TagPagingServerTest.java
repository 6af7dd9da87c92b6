package io.imagecensus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class TagPagingServerTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void pagesTagsInLexicalOrderWithNextLinksUntilTheLastPage() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder().repository("erp/api-server", "e", "c", "a", "d", "b").start()) {
      HttpResponse<String> first = get(server, "/v2/erp/api-server/tags/list?n=2");
      HttpResponse<String> second = get(server, "/v2/erp/api-server/tags/list?n=2&last=b");
      HttpResponse<String> third = get(server, "/v2/erp/api-server/tags/list?n=2&last=d");

      assertThat(first.body()).isEqualTo("{\"name\":\"erp/api-server\",\"tags\":[\"a\",\"b\"]}");
      assertThat(first.headers().firstValue("Link"))
          .hasValue("</v2/erp/api-server/tags/list?n=2&last=b>; rel=\"next\"");
      assertThat(second.body()).isEqualTo("{\"name\":\"erp/api-server\",\"tags\":[\"c\",\"d\"]}");
      assertThat(second.headers().firstValue("Link"))
          .hasValue("</v2/erp/api-server/tags/list?n=2&last=d>; rel=\"next\"");
      assertThat(third.body()).isEqualTo("{\"name\":\"erp/api-server\",\"tags\":[\"e\"]}");
      assertThat(third.headers().firstValue("Link")).isEmpty();
      assertThat(server.requestLines())
          .containsExactly(
              "GET /v2/erp/api-server/tags/list?n=2",
              "GET /v2/erp/api-server/tags/list?n=2&last=b",
              "GET /v2/erp/api-server/tags/list?n=2&last=d");
    }
  }

  @Test
  void capsThePageSizeWhateverNAsksFor() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder()
            .repository("erp/redis", "7.0", "7.2", "7.4")
            .pageSizeCap(2)
            .start()) {
      HttpResponse<String> asked = get(server, "/v2/erp/redis/tags/list?n=1000");
      HttpResponse<String> unasked = get(server, "/v2/erp/redis/tags/list");

      assertThat(asked.body()).isEqualTo("{\"name\":\"erp/redis\",\"tags\":[\"7.0\",\"7.2\"]}");
      assertThat(asked.headers().firstValue("Link"))
          .hasValue("</v2/erp/redis/tags/list?n=2&last=7.2>; rel=\"next\"");
      assertThat(unasked.body()).isEqualTo(asked.body());
    }
  }

  @Test
  void servesEverythingAtOnceWithoutNOrCap() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder().repository("erp/flower", "2.0.2", "2.0.1").start()) {
      HttpResponse<String> all = get(server, "/v2/erp/flower/tags/list");

      assertThat(all.body()).isEqualTo("{\"name\":\"erp/flower\",\"tags\":[\"2.0.1\",\"2.0.2\"]}");
      assertThat(all.headers().firstValue("Link")).isEmpty();
      assertThat(get(server, "/v2/").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void pagesTheCatalogIncludingRepositoriesWithoutTags() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder()
            .repository("erp/api-server", "1")
            .repository("erp/celery-worker", "1")
            .listedButMissing("erp/ghost")
            .start()) {
      HttpResponse<String> first = get(server, "/v2/_catalog?n=2");
      HttpResponse<String> second = get(server, "/v2/_catalog?n=2&last=erp%2Fcelery-worker");
      HttpResponse<String> ghost = get(server, "/v2/erp/ghost/tags/list");
      HttpResponse<String> unknown = get(server, "/v2/erp/unknown/tags/list");

      assertThat(first.body())
          .isEqualTo("{\"repositories\":[\"erp/api-server\",\"erp/celery-worker\"]}");
      assertThat(first.headers().firstValue("Link"))
          .hasValue("</v2/_catalog?n=2&last=erp%2Fcelery-worker>; rel=\"next\"");
      assertThat(second.body()).isEqualTo("{\"repositories\":[\"erp/ghost\"]}");
      assertThat(ghost.statusCode()).isEqualTo(404);
      assertThat(ghost.body()).contains("\"code\":\"NAME_UNKNOWN\"");
      assertThat(unknown.statusCode()).isEqualTo(404);
    }
  }

  @Test
  void nextLinkCanPointToAnotherHost() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder()
            .repository("erp/api-server", "a", "b", "c")
            .nextLinkToHost("http://attacker.example:8080")
            .start()) {
      HttpResponse<String> first = get(server, "/v2/erp/api-server/tags/list?n=2");

      assertThat(first.headers().firstValue("Link"))
          .hasValue(
              "<http://attacker.example:8080/v2/erp/api-server/tags/list?n=2&last=b>;"
                  + " rel=\"next\"");
    }
  }

  @Test
  void answersTooManyRequestsFirstThenAServerErrorOnce() throws Exception {
    try (TagPagingServer server =
        TagPagingServer.builder()
            .repository("erp/api-server", "a", "b", "c")
            .tooManyRequestsFirst(2)
            .serverErrorOnRequest(4)
            .start()) {
      HttpResponse<String> ping = get(server, "/v2/");
      HttpResponse<String> limited = get(server, "/v2/erp/api-server/tags/list?n=2");
      get(server, "/v2/erp/api-server/tags/list?n=2");
      HttpResponse<String> served = get(server, "/v2/erp/api-server/tags/list?n=2");
      HttpResponse<String> failed = get(server, "/v2/erp/api-server/tags/list?n=2&last=b");
      HttpResponse<String> retried = get(server, "/v2/erp/api-server/tags/list?n=2&last=b");

      assertThat(ping.statusCode()).isEqualTo(200);
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(retried.body()).isEqualTo("{\"name\":\"erp/api-server\",\"tags\":[\"c\"]}");
      assertThat(server.requests())
          .containsExactly(
              new TagPagingServer.RecordedRequest("GET", "/v2/", 200),
              new TagPagingServer.RecordedRequest("GET", "/v2/erp/api-server/tags/list?n=2", 429),
              new TagPagingServer.RecordedRequest("GET", "/v2/erp/api-server/tags/list?n=2", 429),
              new TagPagingServer.RecordedRequest("GET", "/v2/erp/api-server/tags/list?n=2", 200),
              new TagPagingServer.RecordedRequest(
                  "GET", "/v2/erp/api-server/tags/list?n=2&last=b", 500),
              new TagPagingServer.RecordedRequest(
                  "GET", "/v2/erp/api-server/tags/list?n=2&last=b", 200));
      server.clearRequests();
      assertThat(server.requests()).isEmpty();
    }
  }

  private HttpResponse<String> get(TagPagingServer server, String pathAndQuery) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
