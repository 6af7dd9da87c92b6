package io.imagecensus.warehouse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.model.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * The Parquet tables under one root on any Hadoop file system, as one run sees them. Snapshot
 * tables are staged whole and published together by {@link #commitSnapshot}: each
 * {@code table/snapshot_date=D} folder holds one Parquet file, either the previous run's or this
 * run's, never a mix or half a file; {@code _snapshots/D.json} is written after the last table and names,
 * for each table of D, the run that wrote it and its row count (it is absent while a commit is under way). Publishing
 * renames one folder per table, which no Hadoop file system does as one atomic step: a run
 * killed mid-commit leaves some tables old and some new until the next run, which first rolls
 * that commit forward ({@link #recover}). Rerunning a date replaces its partitions.
 */
public final class Warehouse {
  private static final String STAGING = SnapshotCommit.STAGING;
  private static final String PART_FILE = "part-00000.parquet";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final Path root;
  private final FileSystem fs;
  private final SnapshotCommit commit;
  /** Snapshot tables this run has staged and not yet committed, with the date they are for. */
  private final Map<Table, LocalDate> staged = new LinkedHashMap<>();
  private String stagingRunId;

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
      this.commit = new SnapshotCommit(fs, this.root);
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

  /**
   * All rows of a table (every snapshot), or an empty frame with its schema if it has none yet;
   * a snapshot this run has staged replaces the committed one of its date.
   */
  public Dataset<Row> read(Table table) {
    Path path = tablePath(table);
    StructType schema = table.schemaWithPartition();
    Column[] columns = Arrays.stream(schema.fieldNames()).map(functions::col).toArray(Column[]::new);
    Dataset<Row> committed = !exists(path) || listParquet(path).isEmpty()
        ? spark.createDataFrame(List.of(), schema)
        : spark.read().schema(schema).option("basePath", path.toString()).parquet(path.toString()).select(columns);
    LocalDate date = staged.get(table);
    if (date == null) {
      return committed;
    }
    return committed.filter(functions.col(Table.SNAPSHOT_DATE).notEqual(functions.lit(java.sql.Date.valueOf(date))))
        .unionByName(readSnapshot(table, date).withColumn(Table.SNAPSHOT_DATE, functions.lit(java.sql.Date.valueOf(date))).select(columns));
  }

  /** The rows of one snapshot, without the partition column: this run's staged rows if it wrote them. */
  public Dataset<Row> readSnapshot(Table table, LocalDate date) {
    Path partition = date.equals(staged.get(table)) ? commit.stagedTable(stagingRunId, table.path()) : partition(table, date);
    if (!exists(partition) || listParquet(partition).isEmpty()) {
      return spark.createDataFrame(List.of(), table.schema());
    }
    return spark.read().schema(table.schema()).parquet(partition.toString());
  }

  /**
   * Stages the rows as the {@code date} partition of the table; nothing is visible to readers
   * of the warehouse until {@link #commitSnapshot}. One run stages one date.
   */
  public void writeSnapshot(Table table, LocalDate date, Dataset<Row> rows, String runId) {
    requireStorage(table, Table.Storage.SNAPSHOT);
    if (!staged.isEmpty() && !staged.values().iterator().next().equals(date)) {
      throw new IllegalStateException("run " + runId + " already staged " + staged.values().iterator().next() + ", not " + date);
    }
    stage(table, rows, commit.stagedTable(runId, table.path()));
    stagingRunId = runId;
    staged.put(table, date);
  }

  /**
   * Publishes every table staged by {@link #writeSnapshot} as the snapshot of its date, then
   * writes {@code _snapshots/DATE.json}; see the class comment for what readers can rely on.
   * Returns the row count of every table of the committed snapshot, keyed by table path (the
   * counts the marker records), so callers need not read the tables again to count them.
   */
  public Map<String, Long> commitSnapshot(String runId) {
    if (staged.isEmpty()) {
      return Map.of();
    }
    LocalDate date = staged.values().iterator().next();
    Map<String, SnapshotCommit.Entry> tables;
    try {
      tables = new LinkedHashMap<>(commit.committedTables(date));
      staged.keySet().forEach(table -> tables.put(table.path(), new SnapshotCommit.Entry(runId, readSnapshot(table, date).count())));
      commit.commit(new SnapshotCommit.Journal(runId, date.toString(), tables));
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to commit the snapshot " + date + " of run " + runId
          + " but failed because: " + e.getMessage() + "; the next run finishes it", e);
    }
    staged.clear();
    Map<String, Long> rows = new LinkedHashMap<>();
    tables.forEach((path, entry) -> rows.put(path, entry.rows()));
    return rows;
  }

  /**
   * Finishes or discards what runs that died left behind (see the class comment) and returns one
   * line per thing done. Call it only while holding the {@link #lock}.
   */
  public List<String> recover() {
    try {
      return commit.recover();
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to recover the warehouse " + root + " from an interrupted run but failed because: "
          + e.getMessage() + "; fix the file system, then run again", e);
    }
  }

  /** Takes the warehouse's run lock for {@code me}; see {@link RunLock}. */
  public RunLock lock(RunLock.Holder me, Duration timeout, boolean force, PrintStream warnings) {
    return RunLock.acquire(fs, root, me, timeout, force, warnings);
  }

  /** The snapshot dates whose commit finished, oldest first. */
  public List<LocalDate> committedSnapshots() {
    try {
      return commit.markedDates();
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to list the snapshots of " + root + " but failed because: " + e.getMessage(), e);
    }
  }

  /**
   * Deletes the partitions of every snapshot table older than the newest {@code keep} snapshot
   * dates and returns those dates, oldest first; content stores and {@code runs} are kept. Call
   * it only while holding the {@link #lock}.
   */
  public List<LocalDate> prune(int keep) {
    List<String> tables = Arrays.stream(Table.values()).filter(t -> t.storage() == Table.Storage.SNAPSHOT).map(Table::path).toList();
    try {
      return new Retention(fs, commit, tables).prune(keep);
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to prune the warehouse " + root + " to " + keep + " snapshots but failed because: "
          + e.getMessage(), e);
    }
  }

  /**
   * The image-census version of the run that wrote {@code table} into the committed snapshot of
   * {@code date}, as that run's summary {@code _runs/RUN.json} records it; empty when the snapshot,
   * the table's entry or the summary is missing.
   */
  public Optional<String> writerVersion(Table table, LocalDate date) {
    return writerSummary(table, date).map(summary -> summary.path("version").textValue());
  }

  /**
   * The summary {@code _runs/RUN.json} of the run that wrote {@code table} into the committed
   * snapshot of {@code date}; empty when the snapshot, the table's entry or the summary is missing.
   */
  public Optional<JsonNode> writerSummary(Table table, LocalDate date) {
    try {
      SnapshotCommit.Entry entry = commit.committedTables(date).get(table.path());
      Path summary = entry == null ? null : runSummaryPath(entry.runId());
      if (summary == null || !fs.exists(summary)) {
        return Optional.empty();
      }
      return Optional.of(JSON.readTree(commit.read(summary)));
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to read the summary of the run that wrote " + table.path() + " of " + date
          + " but failed because: " + e.getMessage(), e);
    }
  }

  private Path runSummaryPath(String runId) {
    return new Path(root, "_runs/" + runId + ".json");
  }

  /** Writes {@code _runs/RUN.json}, the run's summary for monitoring, in one rename; returns its URI. */
  public URI writeRunSummary(String runId, String json) {
    Path path = runSummaryPath(runId);
    try {
      commit.writeAtomically(path, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to write the run summary " + path + " but failed because: " + e.getMessage(), e);
    }
    return path.toUri();
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

  /** True if the {@code date} partition of a log table has the file of run {@code runId}. */
  public boolean hasLogEntry(Table table, LocalDate date, String runId) {
    requireStorage(table, Table.Storage.LOG);
    return exists(new Path(partition(table, date), "run-" + runId + ".parquet"));
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

  /** Removes the run's staging folder, unless it holds a commit that did not finish: the next run finishes that. */
  public void cleanUp(String runId) {
    try {
      if (commit.pending(runId)) {
        return;
      }
      fs.delete(new Path(root, STAGING + "/" + runId), true);
      Path staging = new Path(root, STAGING);
      if (fs.exists(staging) && fs.listStatus(staging).length == 0) {
        fs.delete(staging, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to remove the staging folder of run " + runId + " but failed because: " + e.getMessage(), e);
    }
  }

  private Path stage(Table table, Dataset<Row> rows, String runId) {
    return stage(table, rows, new Path(root, STAGING + "/" + runId + "/" + table.path()));
  }

  /** Rows sorted by the table's keys into one file, named the same on every run. */
  private Path stage(Table table, Dataset<Row> rows, Path staged) {
    requireSchema(table, rows.schema());
    Column[] order = table.sortKeys().stream().map(functions::col).toArray(Column[]::new);
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
