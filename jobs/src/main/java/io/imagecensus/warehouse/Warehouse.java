package io.imagecensus.warehouse;

import io.imagecensus.model.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet tables under one root on any Hadoop file system. Every write goes to a staging
 * folder first and is moved into place with renames, so readers never see a half-written
 * partition; rerunning a date replaces its partition, so no row is written twice.
 */
public final class Warehouse {
  private static final String STAGING = "_staging";
  private static final String PART_FILE = "part-00000.parquet";

  private final SparkSession spark;
  private final Path root;
  private final FileSystem fs;

  public Warehouse(SparkSession spark, String root) {
    this.spark = spark;
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    // No _SUCCESS markers or summary files: a table folder holds Parquet and nothing else.
    hadoop.set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false");
    hadoop.set("parquet.summary.metadata.level", "NONE");
    try {
      Path path = new Path(absoluteLocal(root));
      this.fs = path.getFileSystem(hadoop);
      this.root = fs.makeQualified(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to open the warehouse " + root + " but failed because: " + e.getMessage(), e);
    }
  }

  /** {@code file:warehouse} (relative, as the demo config writes it) becomes an absolute file URI. */
  static String absoluteLocal(String root) {
    if (root.startsWith("file:") && !root.startsWith("file:/")) {
      return java.nio.file.Path.of(root.substring("file:".length())).toAbsolutePath().normalize().toUri().toString();
    }
    return root;
  }

  /** The warehouse root as a qualified URI, e.g. {@code file:/srv/census/warehouse}. */
  public URI root() {
    return root.toUri();
  }

  /** The folder of a table. */
  public Path tablePath(Table table) {
    return new Path(root, table.path());
  }

  /** All rows of a table (every snapshot), or an empty frame with its schema if it has none yet. */
  public Dataset<Row> read(Table table) {
    Path path = tablePath(table);
    if (!exists(path) || listParquet(path).isEmpty()) {
      return spark.createDataFrame(List.of(), table.schemaWithPartition());
    }
    StructType schema = table.schemaWithPartition();
    return spark.read().schema(schema).option("basePath", path.toString()).parquet(path.toString())
        .select(Arrays.stream(schema.fieldNames()).map(functions::col).toArray(Column[]::new));
  }

  /** The rows of one snapshot, without the partition column. */
  public Dataset<Row> readSnapshot(Table table, LocalDate date) {
    Path partition = partition(table, date);
    if (!exists(partition) || listParquet(partition).isEmpty()) {
      return spark.createDataFrame(List.of(), table.schema());
    }
    return spark.read().schema(table.schema()).parquet(partition.toString());
  }

  /** Replaces the snapshot partition of {@code date} with the rows, atomically per table. */
  public void writeSnapshot(Table table, LocalDate date, Dataset<Row> rows, String runId) {
    requireStorage(table, Table.Storage.SNAPSHOT);
    Path staged = stage(table, rows, runId);
    Path target = partition(table, date);
    Path old = new Path(root, STAGING + "/" + runId + "/replaced/" + table.path());
    try {
      fs.mkdirs(target.getParent());
      boolean hadOld = fs.exists(target);
      if (hadOld) {
        fs.mkdirs(old.getParent());
        rename(target, old);
      }
      rename(staged, target);
      if (hadOld) {
        fs.delete(old, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to commit " + table.path() + " for " + date + " but failed because: " + e.getMessage(), e);
    }
  }

  /** Adds one file of rows to the {@code date} partition of a log table (such as runs). */
  public void appendLog(Table table, LocalDate date, Dataset<Row> rows, String runId) {
    requireStorage(table, Table.Storage.LOG);
    Path staged = stage(table, rows, runId);
    Path target = partition(table, date);
    try {
      fs.mkdirs(target);
      rename(new Path(staged, PART_FILE), new Path(target, "run-" + runId + ".parquet"));
      fs.delete(staged, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to append to " + table.path() + " but failed because: " + e.getMessage(), e);
    }
  }

  /** Adds a batch of immutable content rows (manifests, configs) to a content-addressed store. */
  public void appendContent(Table table, Dataset<Row> rows, String runId) {
    requireStorage(table, Table.Storage.CONTENT);
    Path staged = stage(table, rows, runId);
    Path target = new Path(tablePath(table), "batch=" + runId);
    try {
      fs.mkdirs(target.getParent());
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      rename(staged, target);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to add a batch to " + table.path() + " but failed because: " + e.getMessage(), e);
    }
  }

  /** Writes rows to a scratch folder of the run and reads them back: a checkpoint that is never recomputed. */
  public Dataset<Row> checkpoint(String name, Dataset<Row> rows, String runId) {
    Path path = new Path(root, STAGING + "/" + runId + "/checkpoints/" + name);
    rows.write().mode(SaveMode.Overwrite).parquet(path.toString());
    return spark.read().schema(rows.schema()).parquet(path.toString());
  }

  /** Removes the run's staging folder. */
  public void cleanUp(String runId) {
    try {
      fs.delete(new Path(root, STAGING + "/" + runId), true);
      Path staging = new Path(root, STAGING);
      if (fs.exists(staging) && fs.listStatus(staging).length == 0) {
        fs.delete(staging, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to remove the staging folder of run " + runId + " but failed because: " + e.getMessage(), e);
    }
  }

  /** Rows sorted by the table's keys into one file, named the same on every run. */
  private Path stage(Table table, Dataset<Row> rows, String runId) {
    requireSchema(table, rows.schema());
    Column[] order = table.sortKeys().stream().map(functions::col).toArray(Column[]::new);
    Path staged = new Path(root, STAGING + "/" + runId + "/" + table.path());
    rows.select(Arrays.stream(table.schema().fieldNames()).map(functions::col).toArray(Column[]::new))
        .repartition(1)
        .sortWithinPartitions(order)
        .write()
        .mode(SaveMode.Overwrite)
        .option("compression", "snappy")
        .parquet(staged.toString());
    try {
      List<Path> parts = listParquet(staged);
      if (parts.size() != 1) {
        throw new IllegalStateException("expected one part file in " + staged + ", found " + parts.size());
      }
      rename(parts.get(0), new Path(staged, PART_FILE));
      for (FileStatus status : fs.listStatus(staged)) {
        if (!status.getPath().getName().equals(PART_FILE)) {
          fs.delete(status.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to stage " + table.path() + " but failed because: " + e.getMessage(), e);
    }
    return staged;
  }

  /** Fails when the rows' columns differ from the declared schema (names, order, types). */
  static void requireSchema(Table table, StructType actual) {
    StructType expected = table.schema();
    List<String> problems = new ArrayList<>();
    for (StructField field : expected.fields()) {
      if (!Arrays.asList(actual.fieldNames()).contains(field.name())) {
        problems.add("missing column " + field.name());
      } else if (!actual.apply(field.name()).dataType().sameType(field.dataType())) {
        problems.add("column " + field.name() + " is " + actual.apply(field.name()).dataType().simpleString()
            + ", declared " + field.dataType().simpleString());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("rows for table " + table.path() + " do not match its schema: " + String.join("; ", problems));
    }
  }

  private Path partition(Table table, LocalDate date) {
    return new Path(tablePath(table), Table.SNAPSHOT_DATE + "=" + date);
  }

  private List<Path> listParquet(Path path) {
    List<Path> result = new ArrayList<>();
    try {
      for (FileStatus status : fs.listStatus(path)) {
        if (status.isDirectory()) {
          result.addAll(listParquet(status.getPath()));
        } else if (status.getPath().getName().endsWith(".parquet")) {
          result.add(status.getPath());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to list " + path + " but failed because: " + e.getMessage(), e);
    }
    return result;
  }

  private boolean exists(Path path) {
    try {
      return fs.exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to look at " + path + " but failed because: " + e.getMessage(), e);
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("could not rename " + from + " to " + to);
    }
  }

  private static void requireStorage(Table table, Table.Storage storage) {
    if (table.storage() != storage) {
      throw new IllegalArgumentException("table " + table.path() + " is stored as " + table.storage() + ", not " + storage);
    }
  }
}
