package io.imagecensus.analytics.bench;

import io.imagecensus.analytics.AnalyticsInputs;
import io.imagecensus.analytics.LayerDedup;
import io.imagecensus.model.Table;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The benchmark's reference: layer_sharing and dedup_summary (both scopes) as plain DuckDB SQL over
 * the same Parquet files, the way an analyst would write them, materialized as temp tables.
 */
final class DuckDbDedup {
  private final Connection duck;
  private final Path root;

  DuckDbDedup(Connection duck, Path root, String night) {
    this.duck = duck;
    this.root = root;
    AnalyticsBenchmark.execute(duck, "SET memory_limit = '8GB'");
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE VIEW all_images AS SELECT * FROM read_parquet('"
        + root.resolve("images") + "/*/*.parquet', hive_partitioning = true)");
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE VIEW all_layers AS SELECT * FROM read_parquet('"
        + root.resolve("image_layers") + "/*/*.parquet', hive_partitioning = true)");
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE VIEW catalogue AS SELECT * FROM read_parquet('"
        + root.resolve("catalogue") + "/*.parquet')");
    AnalyticsBenchmark.execute(duck, """
        CREATE OR REPLACE VIEW tagged_images AS
        SELECT registry, repository, digest, min(component) AS component, max(compressed_bytes) AS bytes
        FROM all_images WHERE snapshot_date = DATE '%s' GROUP BY registry, repository, digest""".formatted(night));
    AnalyticsBenchmark.execute(duck, """
        CREATE OR REPLACE VIEW stored_images AS
        SELECT registry, repository, digest, arg_max_null(component, snapshot_date) AS component,
               max(compressed_bytes) AS bytes
        FROM all_images GROUP BY registry, repository, digest""");
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE VIEW tagged_layers AS SELECT * FROM all_layers WHERE snapshot_date = DATE '"
        + night + "'");
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE VIEW stored_layers AS SELECT * FROM all_layers");
  }

  /** Computes layer_sharing (both scopes) into the temp table {@code ls}. */
  void runLayerSharing() {
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE TEMP TABLE ls AS "
        + layerSharing("tagged") + " UNION ALL " + layerSharing("stored"));
  }

  /** Computes dedup_summary (both scopes) into the temp table {@code ds}. */
  void runDedupSummary() {
    AnalyticsBenchmark.execute(duck, "CREATE OR REPLACE TEMP TABLE ds AS "
        + dedupSummary("tagged") + " UNION ALL " + dedupSummary("stored"));
  }

  private static String layerSharing(String scope) {
    return """
        (WITH uses AS (
          SELECT l.layer_digest, i.digest AS image_digest, i.registry, i.repository, i.component
          FROM %1$s_layers l JOIN %1$s_images i ON l.image_digest = i.digest),
        counts AS (
          SELECT layer_digest, count(DISTINCT image_digest) AS images,
                 count(DISTINCT (registry, repository)) AS repositories,
                 count(DISTINCT component) AS components,
                 bool_or(c.image_digest IS NOT NULL) AS in_base_catalogue
          FROM uses LEFT JOIN (SELECT DISTINCT image_digest FROM catalogue) c USING (image_digest)
          GROUP BY layer_digest),
        texts AS (
          SELECT layer_digest, min(diff_id) AS diff_id, max(compressed_bytes) AS compressed_bytes,
                 max(uncompressed_bytes) AS uncompressed_bytes
          FROM %1$s_layers GROUP BY layer_digest)
        SELECT '%1$s' AS scope, layer_digest, diff_id, compressed_bytes, uncompressed_bytes,
               images, repositories, components, in_base_catalogue
        FROM texts JOIN counts USING (layer_digest))""".formatted(scope);
  }

  private static String dedupSummary(String scope) {
    return """
        (WITH uses AS (
          SELECT l.layer_digest, l.diff_id, l.compressed_bytes, i.registry, i.repository, i.component
          FROM %1$s_layers l JOIN %1$s_images i ON l.image_digest = i.digest),
        entity_images AS (
          SELECT 'registry' AS level, registry AS name, digest, max(bytes) AS bytes FROM %1$s_images GROUP BY ALL
          UNION ALL
          SELECT 'component', coalesce(component, '%2$s'), digest, max(bytes) FROM %1$s_images GROUP BY ALL
          UNION ALL
          SELECT 'repository', registry || '/' || repository, digest, max(bytes) FROM %1$s_images GROUP BY ALL),
        image_sums AS (
          SELECT level, name, count(*) AS images, sum(bytes)::BIGINT AS logical_bytes
          FROM entity_images GROUP BY ALL),
        entity_layers AS (
          SELECT 'registry' AS level, registry AS name, layer_digest,
                 max(compressed_bytes) AS bytes, min(diff_id) AS diff_id FROM uses GROUP BY ALL
          UNION ALL
          SELECT 'component', coalesce(component, '%2$s'), layer_digest,
                 max(compressed_bytes), min(diff_id) FROM uses GROUP BY ALL
          UNION ALL
          SELECT 'repository', registry || '/' || repository, layer_digest,
                 max(compressed_bytes), min(diff_id) FROM uses GROUP BY ALL),
        owners AS (
          SELECT level, layer_digest, count(*) AS entities FROM entity_layers GROUP BY ALL),
        layer_sums AS (
          SELECT level, name, count(*) AS layers, sum(bytes)::BIGINT AS unique_bytes,
                 sum(CASE WHEN entities = 1 THEN bytes ELSE 0 END)::BIGINT AS exclusive_bytes
          FROM entity_layers JOIN owners USING (level, layer_digest) GROUP BY ALL),
        recompressed AS (
          SELECT level, name, sum(all_bytes - smallest)::BIGINT AS recompressed_bytes FROM (
            SELECT level, name, diff_id, sum(bytes) AS all_bytes, min(bytes) AS smallest
            FROM entity_layers WHERE diff_id IS NOT NULL GROUP BY ALL HAVING count(*) >= 2)
          GROUP BY ALL)
        SELECT '%1$s' AS scope, level, name, images, coalesce(layers, 0) AS layers, logical_bytes,
               coalesce(unique_bytes, 0) AS unique_bytes,
               CASE WHEN unique_bytes > 0 THEN logical_bytes / unique_bytes END AS dedup_ratio,
               coalesce(exclusive_bytes, 0) AS exclusive_bytes,
               coalesce(unique_bytes, 0) - coalesce(exclusive_bytes, 0) AS shared_bytes,
               coalesce(recompressed_bytes, 0) AS recompressed_bytes
        FROM image_sums LEFT JOIN layer_sums USING (level, name) LEFT JOIN recompressed USING (level, name))"""
        .formatted(scope, LayerDedup.BASE_CATALOGUE);
  }

  /** Fails unless Spark's tables and DuckDB's have exactly the same rows. */
  void compareWith(SparkSession spark, AnalyticsInputs inputs) {
    Path out = root.resolve("duckdb-results");
    try {
      java.nio.file.Files.createDirectories(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    AnalyticsBenchmark.execute(duck, "COPY ls TO '" + out.resolve("ls.parquet") + "' (FORMAT parquet)");
    AnalyticsBenchmark.execute(duck, "COPY ds TO '" + out.resolve("ds.parquet") + "' (FORMAT parquet)");
    compare(spark, "layer_sharing", LayerDedup.layerSharing(inputs), out.resolve("ls.parquet"), Table.LAYER_SHARING);
    compare(spark, "dedup_summary", LayerDedup.dedupSummary(inputs), out.resolve("ds.parquet"), Table.DEDUP_SUMMARY);
  }

  private static void compare(SparkSession spark, String name, Dataset<Row> ours, Path theirsFile, Table table) {
    Dataset<Row> theirs = conform(spark.read().parquet(theirsFile.toUri().toString()), table);
    long rows = ours.count();
    long missing = theirs.exceptAll(ours).count();
    long extra = ours.exceptAll(theirs).count();
    System.out.printf("check %s: %d rows, %d only in DuckDB, %d only in Spark%n", name, rows, missing, extra);
    if (missing != 0 || extra != 0) {
      theirs.exceptAll(ours).show(5, false);
      ours.exceptAll(theirs).show(5, false);
      throw new IllegalStateException("Spark and DuckDB disagree on " + name);
    }
  }

  private static Dataset<Row> conform(Dataset<Row> rows, Table table) {
    Column[] columns = Arrays.stream(table.schema().fields())
        .map(field -> functions.col(field.name()).cast(field.dataType()).as(field.name()))
        .toArray(Column[]::new);
    return rows.select(columns);
  }
}
