package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class ManifestCrawlTest {
  private static final String D1 = "sha256:" + "1".repeat(64);
  private static final String D2 = "sha256:" + "2".repeat(64);

  @Test
  void eachDigestIsOneGroupWithTheFirstRegistryAndRepositoryByNameFirst() {
    List<Row> targets = List.of(
        target("mirror", "erp/api-server", D1),
        target("erp", "erp/worker", D1),
        target("erp", "erp/api-server", D2),
        target("erp", "erp/api-server", D1),
        target("erp", "erp/api-server", D1));  // an alias tag of the same manifest

    assertThat(ManifestCrawl.byDigest(targets)).containsExactly(
        List.of(target("erp", "erp/api-server", D1), target("erp", "erp/api-server", D1),
            target("erp", "erp/worker", D1), target("mirror", "erp/api-server", D1)),
        List.of(target("erp", "erp/api-server", D2)));
  }

  /** A frontier row of a tag root (no index, no platform), with nothing stored. */
  private static Row target(String registry, String repository, String digest) {
    return RowFactory.create(registry, repository, "component", digest, null, null, null, null, null, null);
  }
}
