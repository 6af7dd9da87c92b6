package io.imagecensus.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** One analysts' contract file under {@code schemas/}: a table's meaning, partitioning, key and columns. */
public record SchemaFile(
    String table,
    String description,
    String partitionedBy,
    List<String> key,
    List<Column> columns) {

  /** The files use kebab-case keys (partitioned-by), like the configuration. */
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  /** One column: its type as Spark's simpleString, nullability, unit ("" when none) and meaning. */
  public record Column(String name, String type, boolean nullable, String unit, String description) {}

  /** The contract file of {@code table} in the folder {@code schemas}. */
  public static Path fileOf(Path schemas, Table table) {
    return schemas.resolve(table.path().replace('/', '.') + ".yaml");
  }

  /** Reads the contract file of {@code table}; a missing or malformed file is an error naming it. */
  public static SchemaFile read(Path schemas, Table table) {
    Path file = fileOf(schemas, table);
    try {
      return YAML.readValue(file.toFile(), SchemaFile.class);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to read the contract file " + file + " of table "
          + table.path() + " but failed because: " + e.getMessage(), e);
    }
  }
}
