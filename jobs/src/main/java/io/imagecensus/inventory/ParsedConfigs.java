package io.imagecensus.inventory;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import io.imagecensus.model.ImageConfigDocument;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

/** Turns stored image config blobs into columns. */
public final class ParsedConfigs {
  public static final StructType SCHEMA = new StructType()
      .add("config_digest", StringType, false)
      .add("config_bytes", LongType, false)
      .add("created", TimestampType, true)
      .add("config_os", StringType, true)
      .add("config_architecture", StringType, true)
      .add("config_variant", StringType, true)
      .add("user", StringType, true)
      .add("runs_as_root", BooleanType, true)
      .add("has_healthcheck", BooleanType, true)
      .add("exposed_ports", createArrayType(StringType, false), true)
      .add("history_length", IntegerType, true)
      .add("labels", createMapType(StringType, StringType, false), true)
      .add("diff_ids", createArrayType(StringType, true), true)
      .add("created_by", createArrayType(StringType, true), true)
      .add("parse_error", StringType, true);

  private ParsedConfigs() {}

  /** Parses rows of the config store (digest, content). */
  public static Dataset<Row> parse(Dataset<Row> store) {
    return store.select("digest", "content")
        .mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
          List<Row> out = new ArrayList<>();
          rows.forEachRemaining(row -> out.add(parseRow(row.getString(0), (byte[]) row.get(1))));
          return out.iterator();
        }, Encoders.row(SCHEMA));
  }

  static Row parseRow(String digest, byte[] content) {
    ImageConfigDocument config;
    try {
      config = ImageConfigDocument.parse(content);
    } catch (IllegalArgumentException e) {
      return RowFactory.create(digest, (long) content.length, null, null, null, null, null, null, null,
          null, null, null, null, null, e.getMessage());
    }
    return RowFactory.create(digest, (long) content.length,
        config.created() == null ? null : Timestamp.from(config.created()),
        config.os(), config.architecture(), config.variant(), config.user(),
        ImageConfigDocument.runsAsRoot(config.user()), config.hasHealthcheck(),
        CollectionConverters.asScala(config.exposedPorts()).toSeq(),
        config.history().size(),
        ParsedManifests.scalaMap(config.labels()),
        CollectionConverters.asScala(config.diffIds()).toSeq(),
        CollectionConverters.asScala(config.createdByPerLayer(config.diffIds().size())).toSeq(),
        null);
  }
}
