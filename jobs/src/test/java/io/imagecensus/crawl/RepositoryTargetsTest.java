package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RepositoryTargetsTest {
  private static Predicate<String> glob(String pattern) {
    return RepositoryTargets.glob(pattern).asMatchPredicate();
  }

  @Test
  void oneStarMatchesWithinOnePathSegment() {
    Predicate<String> erp = glob("erp/*");

    assertThat(erp).accepts("erp/api-server", "erp/celery-worker", "erp/flower");
    assertThat(erp).rejects("erp/a/b", "other/x", "erp", "xerp/api-server", "erp-old/api-server");
  }

  @Test
  void twoStarsMatchAcrossSegments() {
    Predicate<String> erp = glob("erp/**");

    assertThat(erp).accepts("erp/a/b", "erp/api-server", "erp/team/a/b/c");
    assertThat(erp).rejects("other/x", "erpx/a", "erp");
  }

  @Test
  void aStarCanSitAnywhereInASegment() {
    assertThat(glob("*/api-server")).accepts("erp/api-server", "mirror/api-server").rejects("a/b/api-server");
    assertThat(glob("erp/flower-*")).accepts("erp/flower-", "erp/flower-v2").rejects("erp/flower", "erp/flower-v2/x");
  }

  @Test
  void everythingElseIsLiteral() {
    assertThat(glob("mirror/python3.11")).accepts("mirror/python3.11").rejects("mirror/python3x11", "mirror/python3.111");
    assertThat(glob("erp/api-server")).accepts("erp/api-server").rejects("erp/api-server2");
  }
}
