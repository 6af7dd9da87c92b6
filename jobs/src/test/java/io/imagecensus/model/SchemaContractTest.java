package io.imagecensus.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The analysts' contract under {@code schemas/} says exactly what {@link Table} declares. */
class SchemaContractTest {
  /** Surefire runs in the module folder {@code jobs/}; the contract lives next to it. */
  private static final Path SCHEMAS = Path.of("..", "schemas");
  private static final Set<String> UNITS = Set.of("", "bytes", "seconds", "count");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  record SchemaFile(
      String table,
      String description,
      @JsonProperty("partitioned-by") String partitionedBy,
      List<String> key,
      List<ColumnSpec> columns) {}

  record ColumnSpec(String name, String type, boolean nullable, String unit, String description) {}

  /** The columns as the contract compares them: name, Spark simpleString type, nullability. */
  record Column(String name, String type, boolean nullable) {}

  static Path fileOf(Table table) {
    return SCHEMAS.resolve(table.path().replace('/', '.') + ".yaml");
  }

  static SchemaFile read(Table table) throws IOException {
    Path file = fileOf(table);
    assertThat(file).as("contract file of table %s", table.path()).isRegularFile();
    return YAML.readValue(file.toFile(), SchemaFile.class);
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void contractListsTheDeclaredColumnsInOrder(Table table) throws IOException {
    SchemaFile contract = read(table);
    StructType declared = table.schemaWithPartition();

    List<Column> expected = Arrays.stream(declared.fields())
        .map(f -> new Column(f.name(), f.dataType().simpleString(), f.nullable()))
        .toList();
    List<Column> actual = contract.columns().stream()
        .map(c -> new Column(c.name(), c.type(), c.nullable()))
        .toList();

    assertThat(contract.table()).isEqualTo(table.path());
    assertThat(actual).as("columns of %s", fileOf(table)).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void everyColumnIsDescribedWithAKnownUnit(Table table) throws IOException {
    SchemaFile contract = read(table);

    assertThat(contract.description()).as("description of %s", table.path()).isNotBlank();
    for (ColumnSpec column : contract.columns()) {
      assertThat(column.description()).as("description of %s.%s", table.path(), column.name()).isNotBlank();
      assertThat(column.unit()).as("unit of %s.%s", table.path(), column.name()).isIn(UNITS);
    }
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void partitionAndKeyMatchTheStorage(Table table) throws IOException {
    SchemaFile contract = read(table);
    List<String> names = Arrays.asList(table.schemaWithPartition().fieldNames());

    String partition = switch (table.storage()) {
      case SNAPSHOT, LOG -> Table.SNAPSHOT_DATE;
      case CONTENT -> "batch";
    };
    assertThat(contract.partitionedBy()).isEqualTo(partition);
    assertThat(contract.key()).as("key of %s", table.path()).isNotEmpty().doesNotHaveDuplicates();
    assertThat(names).as("columns of %s", table.path()).containsAll(contract.key());
  }

  @Test
  void everyContractFileBelongsToATable() throws IOException {
    Set<String> expected = Arrays.stream(Table.values())
        .map(t -> fileOf(t).getFileName().toString())
        .collect(Collectors.toSet());
    Set<String> present;
    try (Stream<Path> files = Files.list(SCHEMAS)) {
      present = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }

    assertThat(present).containsExactlyInAnyOrderElementsOf(expected);
  }
}
