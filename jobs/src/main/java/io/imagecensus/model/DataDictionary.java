package io.imagecensus.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders {@code docs/data-dictionary.md} from the contract files under {@code schemas/}: every
 * table with its meaning and storage, every column with its type, unit and meaning.
 */
public final class DataDictionary {
  /** How to regenerate the file, from the repository root; printed in the file and by its test. */
  public static final String REGENERATE =
      "mvn -B -q -Dmaven.test.skip=true package && java -cp \"jobs/target/image-census.jar:jobs/target/lib/*\" "
          + DataDictionary.class.getName();

  private DataDictionary() {}

  /** Writes the dictionary; arguments: [schemas folder] [output file], by default relative to the repository root. */
  public static void main(String[] args) throws IOException {
    Path schemas = Path.of(args.length > 0 ? args[0] : "schemas");
    Path out = Path.of(args.length > 1 ? args[1] : "docs/data-dictionary.md");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, render(schemas));
    System.out.println("Wrote " + out + " from " + schemas);
  }

  /** The dictionary's Markdown for the contract files in {@code schemas}, tables in declaration order. */
  public static String render(Path schemas) {
    StringBuilder md = new StringBuilder();
    md.append("# Data dictionary\n\n")
        .append("Every table under `warehouse/` and every column, generated from [`schemas/`](../schemas/) ")
        .append("(one contract file per table, checked against the code by `SchemaContractTest`). ")
        .append("Do not edit by hand; after changing a file in `schemas/`, regenerate it from the repository root:\n\n")
        .append("```sh\n").append(REGENERATE).append("\n```\n\n")
        .append("Sizes are in bytes, times in UTC, shares between 0 and 1. ")
        .append("Snapshot and log tables are Hive-partitioned by `snapshot_date=YYYY-MM-DD`; ")
        .append("read them with `read_parquet('warehouse/<table>/*/*.parquet', hive_partitioning = true)` in DuckDB ")
        .append("or `spark.read.parquet(\"warehouse/<table>\")`.\n\n")
        .append("| table | kind | columns |\n| --- | --- | --- |\n");
    for (Table table : Table.values()) {
      md.append("| [`").append(table.path()).append("`](#").append(anchor(table)).append(") | ")
          .append(kind(table.storage())).append(" | ")
          .append(table.schemaWithPartition().fields().length).append(" |\n");
    }
    for (Table table : Table.values()) {
      SchemaFile contract = SchemaFile.read(schemas, table);
      md.append("\n## ").append(table.path()).append("\n\n")
          .append(storage(table.storage())).append(" Partitioned by `").append(contract.partitionedBy())
          .append("`; one row per key (").append(code(String.join(", ", contract.key()))).append(").\n\n")
          .append(text(contract.description().strip())).append("\n\n")
          .append("| column | type | nullable | unit | meaning |\n| --- | --- | --- | --- | --- |\n");
      for (SchemaFile.Column column : contract.columns()) {
        md.append("| ").append(code(column.name()))
            .append(" | ").append(code(column.type()))
            .append(" | ").append(column.nullable() ? "yes" : "no")
            .append(" | ").append(cell(column.unit()))
            .append(" | ").append(cell(column.description().strip()))
            .append(" |\n");
      }
    }
    return md.toString();
  }

  private static String kind(Table.Storage storage) {
    return switch (storage) {
      case SNAPSHOT -> "snapshot";
      case LOG -> "log";
      case CONTENT -> "content store";
    };
  }

  private static String storage(Table.Storage storage) {
    return switch (storage) {
      case SNAPSHOT -> "Snapshot table: one partition per night, replaced whole when that night is rerun.";
      case LOG -> "Log table: one partition per night, one file added per run attempt.";
      case CONTENT -> "Content store, not a snapshot: immutable rows keyed by digest, added in one folder per run.";
    };
  }

  /** GitHub's heading anchor: lower case, punctuation other than - and _ dropped. */
  private static String anchor(Table table) {
    return table.path().toLowerCase().replaceAll("[^a-z0-9_\\- ]", "").replace(' ', '-');
  }

  private static String code(String text) {
    return "`" + text + "`";
  }

  /** Prose escaped for Markdown, so that placeholders are not taken for HTML tags nor globs for emphasis. */
  private static String text(String text) {
    return text.replace("<", "&lt;").replace("*", "\\*");
  }

  /** A Markdown table cell: also pipes escaped, so a description cannot split the row. */
  private static String cell(String text) {
    return text(text).replace("|", "\\|").replace("\n", " ");
  }
}
