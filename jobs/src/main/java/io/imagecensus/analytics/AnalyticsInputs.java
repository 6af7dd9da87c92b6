package io.imagecensus.analytics;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What the analytics read, already loaded: one night's snapshot tables (without the
 * {@code snapshot_date} column), the history of every night (with it), and the measured layers.
 * Tonight is one of every night: its rows are in the history tables too.
 *
 * @param tags tonight's {@code tags} rows
 * @param images tonight's {@code images} rows
 * @param imageLayers tonight's {@code image_layers} rows
 * @param allTags {@code tags} rows of every snapshot, with {@code snapshot_date}
 * @param allImages {@code images} rows of every snapshot, with {@code snapshot_date}
 * @param allImageLayers {@code image_layers} rows of every snapshot, with {@code snapshot_date}
 * @param catalogue rows of {@link BaseCatalogue#SCHEMA}: the images of the base-image catalogue
 */
public record AnalyticsInputs(
    Dataset<Row> tags,
    Dataset<Row> images,
    Dataset<Row> imageLayers,
    Dataset<Row> allTags,
    Dataset<Row> allImages,
    Dataset<Row> allImageLayers,
    Dataset<Row> catalogue) {}
