package io.imagecensus.model;

import static org.assertj.core.api.Assertions.assertThat;

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
  private static final Set<String> UNITS =
      Set.of("", "bytes", "seconds", "count", "ratio", "share 0..1", "score 0..1", "percent", "timestamp UTC");

  /** The columns as the contract compares them: name, Spark simpleString type, nullability. */
  record Column(String name, String type, boolean nullable) {}

  static SchemaFile read(Table table) {
    assertThat(SchemaFile.fileOf(SCHEMAS, table)).as("contract file of table %s", table.path()).isRegularFile();
    return SchemaFile.read(SCHEMAS, table);
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void contractListsTheDeclaredColumnsInOrder(Table table) {
    SchemaFile contract = read(table);
    StructType declared = table.schemaWithPartition();

    List<Column> expected = Arrays.stream(declared.fields())
        .map(f -> new Column(f.name(), f.dataType().simpleString(), f.nullable()))
        .toList();
    List<Column> actual = contract.columns().stream()
        .map(c -> new Column(c.name(), c.type(), c.nullable()))
        .toList();

    assertThat(contract.table()).isEqualTo(table.path());
    assertThat(actual).as("columns of %s", SchemaFile.fileOf(SCHEMAS, table)).containsExactlyElementsOf(expected);
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void everyColumnIsDescribedWithAKnownUnit(Table table) {
    SchemaFile contract = read(table);

    assertThat(contract.description()).as("description of %s", table.path()).isNotBlank();
    for (SchemaFile.Column column : contract.columns()) {
      assertThat(column.description()).as("description of %s.%s", table.path(), column.name()).isNotBlank();
      assertThat(column.unit()).as("unit of %s.%s", table.path(), column.name()).isIn(UNITS);
      if (column.type().equals("timestamp")) {
        assertThat(column.unit()).as("unit of timestamp %s.%s", table.path(), column.name()).isEqualTo("timestamp UTC");
      }
      if (column.type().equals("double") || column.name().endsWith("_bytes")) {
        assertThat(column.unit()).as("unit of %s.%s", table.path(), column.name()).isNotEmpty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Table.class)
  void partitionAndKeyMatchTheStorage(Table table) {
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
        .map(t -> SchemaFile.fileOf(SCHEMAS, t).getFileName().toString())
        .collect(Collectors.toSet());
    Set<String> present;
    try (Stream<Path> files = Files.list(SCHEMAS)) {
      present = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }

    assertThat(present).containsExactlyInAnyOrderElementsOf(expected);
  }
}
