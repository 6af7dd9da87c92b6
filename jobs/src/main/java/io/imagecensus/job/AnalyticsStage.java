package io.imagecensus.job;

import io.imagecensus.analytics.AnalyticsInputs;
import io.imagecensus.analytics.BaseCatalogue;
import io.imagecensus.analytics.BaseImageAdoption;
import io.imagecensus.analytics.BaseImageMatcher;
import io.imagecensus.analytics.LayerDedup;
import io.imagecensus.analytics.Posture;
import io.imagecensus.analytics.QuarterlySizeReduction;
import io.imagecensus.analytics.SizeTrends;
import io.imagecensus.analytics.TagCosts;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.model.Table;
import io.imagecensus.warehouse.Warehouse;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.sql.functions;

/**
 * The analytics of one snapshot: reads the crawled tables, runs the pure analytics functions and
 * replaces the snapshot's analytics partitions. Results other analytics build on are
 * checkpointed once, so no function is computed twice.
 */
final class AnalyticsStage {
  private final CensusConfig config;
  private final Warehouse warehouse;
  private final String runId;

  AnalyticsStage(CensusConfig config, Warehouse warehouse, String runId) {
    this.config = config;
    this.warehouse = warehouse;
    this.runId = runId;
  }

  void run(LocalDate date) {
    Dataset<Row> tags = warehouse.readSnapshot(Table.TAGS, date);
    Dataset<Row> images = warehouse.readSnapshot(Table.IMAGES, date);
    Dataset<Row> imageLayers = warehouse.readSnapshot(Table.IMAGE_LAYERS, date);
    Dataset<Row> catalogue = warehouse.checkpoint("catalogue", BaseCatalogue.of(config.baseImages(), tags, images), runId);
    AnalyticsInputs inputs = new AnalyticsInputs(tags, images, imageLayers, warehouse.read(Table.TAGS),
        warehouse.read(Table.IMAGES), warehouse.read(Table.IMAGE_LAYERS), catalogue);

    Dataset<Row> bases = warehouse.checkpoint("image_bases", BaseImageMatcher.match(images, imageLayers, catalogue), runId);
    // Trends and the quarterly table look at every build ever seen, not only those tagged tonight;
    // older builds keep the base decided on the nights they were crawled. A rerun of the date
    // ignores what an earlier run decided for it, so it computes what a first run would.
    Dataset<Row> everyBase = warehouse.read(Table.IMAGE_BASES)
        .filter(functions.col(Table.SNAPSHOT_DATE).notEqual(functions.lit(java.sql.Date.valueOf(date))))
        .drop(Table.SNAPSHOT_DATE).unionByName(bases);
    Dataset<Row> builds = warehouse.checkpoint("size_trends",
        SizeTrends.builds(inputs.allImages().drop(Table.SNAPSHOT_DATE).unionByName(images),
            inputs.allImageLayers().drop(Table.SNAPSHOT_DATE).unionByName(imageLayers), everyBase,
            config.analytics().regressionThreshold()),
        runId);
    Dataset<Row> posture = Posture.images(images);

    // The three dedup tables derive from one layer usage: a fraction of the image_layers rows,
    // kept in memory while they are written so the layer rows are read and shuffled once.
    Dataset<Row> layerUsage = LayerDedup.layerUsage(inputs).persist(StorageLevel.MEMORY_AND_DISK());
    write(Table.LAYER_SHARING, date, LayerDedup.layerSharing(inputs, layerUsage));
    write(Table.DEDUP_SUMMARY, date, LayerDedup.dedupSummary(inputs, layerUsage));
    write(Table.COMPONENT_OVERLAP, date, LayerDedup.componentOverlap(inputs, layerUsage));
    layerUsage.unpersist();
    write(Table.TAG_COSTS, date, TagCosts.compute(inputs));
    write(Table.IMAGE_BASES, date, bases);
    write(Table.BASE_IMAGE_ADOPTION, date, BaseImageAdoption.compute(images, bases));
    write(Table.SIZE_TRENDS, date, builds);
    write(Table.SIZE_TREND_PERIODS, date, SizeTrends.periods(builds));
    write(Table.IMAGE_POSTURE, date, posture);
    write(Table.POSTURE_SUMMARY, date, Posture.summary(posture));
    write(Table.QUARTERLY_SIZE_REDUCTION, date,
        QuarterlySizeReduction.compute(inputs.allTags(), inputs.allImages(), images, everyBase));
  }

  private void write(Table table, LocalDate date, Dataset<Row> rows) {
    warehouse.writeSnapshot(table, date, rows, runId);
  }
}
