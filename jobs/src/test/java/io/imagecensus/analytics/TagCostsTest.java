package io.imagecensus.analytics;

import static io.imagecensus.analytics.LayerDedupTest.ARTIFACT;
import static io.imagecensus.analytics.LayerDedupTest.I3;
import static io.imagecensus.analytics.LayerDedupTest.P;
import static io.imagecensus.analytics.LayerDedupTest.R;
import static io.imagecensus.analytics.LayerDedupTest.W1;
import static io.imagecensus.analytics.LayerDedupTest.W2;
import static io.imagecensus.analytics.LayerDedupTest.X1;
import static io.imagecensus.analytics.LayerDedupTest.sorted;
import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.model.Table;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Tag costs over the registry of {@link LayerDedupTest}, computed by hand. */
class TagCostsTest {
  private final LayerDedupTest registry = new LayerDedupTest();

  @Test
  void outputHasTheDeclaredSchema() {
    assertThat(TagCosts.compute(registry.inputs()).schema().simpleString())
        .isEqualTo(Table.TAG_COSTS.schema().simpleString());
  }

  @Test
  void eachTagFreesTheLayersNoOtherTagReaches() {
    List<String> rows = sorted(TagCosts.compute(registry.inputs()));

    // registry|repository|component|tag|digest|images|logical_bytes|freed_bytes
    assertThat(rows).containsExactlyInAnyOrder(
        // B1 is used by many tags' images: deleting the catalogue tag frees nothing.
        "erp|mirror/python|null|3.12-slim|" + P + "|1|100|0",
        // latest and 2026.10.0 are aliases of index X1 (I1 amd64 + I2 arm64): A2 and A3 are
        // used by both tags, so neither tag alone frees them.
        "erp|erp/api-server|api-server|latest|" + X1 + "|2|3332|0",
        "erp|erp/api-server|api-server|2026.10.0|" + X1 + "|2|3332|0",
        // I3 is tagged in two repositories: its layers stay while either tag does.
        "erp|erp/api-server|api-server|admin-copy|" + I3 + "|1|1100|0",
        "erp|erp/api-admin|api-server|1.0|" + I3 + "|1|1100|0",
        // A tag on a digest that is no image (an artifact) reaches nothing. The tag without a
        // digest ("broken") has no row.
        "erp|erp/api-server|api-server|sha256-1111.sig|" + ARTIFACT + "|0|0|0",
        // BZ (B1 recompressed) is only in W1: the content is shared, the stored blob is not.
        "erp|erp/celery-worker|celery-worker|latest|" + W1 + "|1|2142|110",
        "erp|erp/celery-worker|celery-worker|previous|" + W2 + "|1|2100|0",
        // R1 is redis's own; the empty layer is everybody's.
        "erp|erp/redis|redis|7|" + R + "|1|332|300");
  }

  @Test
  void withoutItsAliasATagFreesItsOwnLayers() {
    AnalyticsInputs inputs = registry.inputs();
    Dataset<Row> tagsWithoutAlias = inputs.tags().filter("tag <> '2026.10.0'");

    List<String> rows = sorted(TagCosts.compute(tagsWithoutAlias, inputs.images(), inputs.imageLayers())
        .filter("tag = 'latest' AND repository = 'erp/api-server'"));

    // A2 (500, I1 only) and A3 (600, I2 only) now belong to latest alone.
    assertThat(rows).containsExactly("erp|erp/api-server|api-server|latest|" + X1 + "|2|3332|1100");
  }
}
