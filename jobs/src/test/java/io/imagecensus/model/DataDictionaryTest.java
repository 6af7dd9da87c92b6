package io.imagecensus.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/** The committed {@code docs/data-dictionary.md} is exactly what the contract files give today. */
class DataDictionaryTest {
  /** Surefire runs in the module folder {@code jobs/}. */
  private static final Path SCHEMAS = Path.of("..", "schemas");
  private static final Path DICTIONARY = Path.of("..", "docs", "data-dictionary.md");

  @Test
  void theCommittedDictionaryIsUpToDate() throws IOException {
    String expected = DataDictionary.render(SCHEMAS);
    String committed = Files.isRegularFile(DICTIONARY) ? Files.readString(DICTIONARY) : "";
    if (!committed.equals(expected)) {
      fail("docs/data-dictionary.md does not match schemas/; regenerate it from the repository root with: "
          + DataDictionary.REGENERATE);
    }
  }

  @Test
  void everyTableAndColumnHasItsSectionAndRow() {
    String dictionary = DataDictionary.render(SCHEMAS);
    for (Table table : Table.values()) {
      String section = sectionOf(dictionary, table);
      for (StructField field : table.schemaWithPartition().fields()) {
        assertThat(section).as("row of %s.%s", table.path(), field.name())
            .contains("\n| `" + field.name() + "` | `" + field.dataType().simpleString() + "` | "
                + (field.nullable() ? "yes" : "no") + " | ");
      }
    }
  }

  @Test
  void unitsStorageAndPlaceholdersReadRight() {
    String dictionary = DataDictionary.render(SCHEMAS);

    assertThat(sectionOf(dictionary, Table.DEDUP_SUMMARY))
        .startsWith("\n## dedup_summary\n\nSnapshot table: one partition per night")
        .contains("| `dedup_ratio` | `double` | yes | ratio | logical_bytes / unique_bytes; null when unique_bytes is 0. |");
    assertThat(sectionOf(dictionary, Table.RUNS))
        .contains("Log table: one partition per night, one file added per run attempt.")
        .contains("| `started_at` | `timestamp` | no | timestamp UTC | When the attempt started (UTC). |");
    assertThat(sectionOf(dictionary, Table.LAYERS)).contains("Content store, not a snapshot").contains("Partitioned by `batch`");
    assertThat(sectionOf(dictionary, Table.TAGS)).contains("/v2/&lt;repository>/tags/list").doesNotContain("/v2/<repository>")
        .contains("globs such as erp/\\* expanded");
    assertThat(dictionary).contains("| [`store/manifests`](#storemanifests) | content store | 3 |");
  }

  /** The text from the table's heading to the next heading. */
  private static String sectionOf(String dictionary, Table table) {
    int start = dictionary.indexOf("\n## " + table.path() + "\n");
    assertThat(start).as("heading of %s", table.path()).isNotNegative();
    int end = dictionary.indexOf("\n## ", start + 1);
    return dictionary.substring(start, end < 0 ? dictionary.length() : end);
  }
}
