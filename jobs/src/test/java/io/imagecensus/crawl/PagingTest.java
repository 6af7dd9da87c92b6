package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.config.AuthSettings;
import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.testing.TagPagingServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Catalog and tag paging against a server that pages the way Harbor, ECR and GHCR do. */
class PagingTest {
  private static final CrawlSettings SETTINGS =
      new CrawlSettings(2, Duration.ofSeconds(5), 3, 2, 4, CrawlSettings.LayerSizeFallback.NONE);

  private static RegistryClient client(TagPagingServer server, RequestCounter counter) {
    RegistrySettings registry = new RegistrySettings("paging", URI.create(server.baseUrl()), true, AuthSettings.ANONYMOUS);
    return new RegistryClient(registry, SETTINGS, Optional.empty(), counter);
  }

  @Test
  void tagsAreFollowedAcrossLinkPagesWithTheExplicitPageSize() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/api-server", "a", "b", "c", "d", "e").start()) {
      List<String> tags = new TagPager(client(server, RequestCounter.NONE), 2).list("erp/api-server");

      assertThat(tags).containsExactly("a", "b", "c", "d", "e");
      assertThat(server.requestLines()).containsExactly(
          "GET /v2/erp/api-server/tags/list?n=2",
          "GET /v2/erp/api-server/tags/list?n=2&last=b",
          "GET /v2/erp/api-server/tags/list?n=2&last=d");
    }
  }

  @Test
  void aServerCapSmallerThanThePageSizeStillYieldsEveryTag() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/redis", "1", "2", "3").pageSizeCap(1).start()) {
      assertThat(new TagPager(client(server, RequestCounter.NONE), 1000).list("erp/redis")).containsExactly("1", "2", "3");
      assertThat(server.requestLines()).hasSize(3);
    }
  }

  @Test
  void theCatalogIsPagedToo() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder()
        .repository("erp/a", "1").repository("erp/b", "1").repository("erp/c", "1").start()) {
      assertThat(new CatalogPager(client(server, RequestCounter.NONE), 2).list()).containsExactly("erp/a", "erp/b", "erp/c");
      assertThat(server.requestLines()).containsExactly("GET /v2/_catalog?n=2", "GET /v2/_catalog?n=2&last=erp%2Fb");
    }
  }

  @Test
  void aNextLinkToAnotherHostIsRefused() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/x", "a", "b", "c")
        .nextLinkToHost("http://elsewhere.example:8080").start()) {
      assertThatThrownBy(() -> new TagPager(client(server, RequestCounter.NONE), 2).list("erp/x"))
          .isInstanceOf(RegistryException.class)
          .hasMessage("Tried to list tags of erp/x on registry 'paging' but failed because: the registry's next-page"
              + " link points to another host (elsewhere.example), which is not followed");
      assertThat(server.requestLines()).containsExactly("GET /v2/erp/x/tags/list?n=2");
    }
  }

  @Test
  void rateLimitsAreWaitedOutAsRetryAfterSays() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/x", "a").tooManyRequestsFirst(2).retryAfterSeconds(1).start()) {
      AtomicInteger retries = new AtomicInteger();
      RequestCounter counter = new RequestCounter() {
        @Override
        public void onRequest(long bytes) {}

        @Override
        public void onRetry() {
          retries.incrementAndGet();
        }
      };
      long start = System.nanoTime();
      assertThat(new TagPager(client(server, counter), 10).list("erp/x")).containsExactly("a");
      long waitedMillis = (System.nanoTime() - start) / 1_000_000;

      assertThat(retries).hasValue(2);
      assertThat(server.requests()).extracting(TagPagingServer.RecordedRequest::status).containsExactly(429, 429, 200);
      // Retry-After: 1 twice: the client must have waited about two seconds, not its own short backoff.
      assertThat(waitedMillis).isGreaterThanOrEqualTo(2000);
    }
  }

  @Test
  void aServerErrorIsRetriedOnce() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/x", "a", "b", "c").serverErrorOnRequest(2).start()) {
      assertThat(new TagPager(client(server, RequestCounter.NONE), 2).list("erp/x")).containsExactly("a", "b", "c");
      assertThat(server.requests()).extracting(TagPagingServer.RecordedRequest::status).containsExactly(200, 500, 200);
    }
  }

  @Test
  void aRepositoryInTheCatalogWhoseTagListIsMissingFailsWith404() throws Exception {
    try (TagPagingServer server = TagPagingServer.builder().repository("erp/x", "a").listedButMissing("erp/ghost").start()) {
      assertThatThrownBy(() -> new TagPager(client(server, RequestCounter.NONE), 10).list("erp/ghost"))
          .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(404))
          .hasMessage("Tried to list tags of erp/ghost on registry 'paging' but failed because: the registry answered 404");
    }
  }
}
