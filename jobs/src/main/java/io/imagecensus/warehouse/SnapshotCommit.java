package io.imagecensus.warehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Publishes a staged snapshot as one unit. Every table of the snapshot is first written complete
 * under {@code _staging/RUN/snapshot/}; then a journal {@code _staging/RUN/COMMIT.json} is written
 * by one rename: the commit point. Publishing removes {@code _snapshots/DATE.json}, swaps each
 * table's {@code snapshot_date=DATE} folder for the staged one (old folder renamed aside, staged
 * folder renamed in), and writes {@code _snapshots/DATE.json}, a copy of the journal, last. Several renames are not one
 * atomic step on any Hadoop file system, so a run killed after the commit point is rolled forward
 * by the next run before it does anything else, and one killed before it is simply discarded:
 * the tables then hold exactly the previous state.
 */
final class SnapshotCommit {
  static final String STAGING = "_staging";
  static final String SNAPSHOTS = "_snapshots";
  private static final String JOURNAL = "COMMIT.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One table of a snapshot: the run that wrote it and its row count. */
  record Entry(String runId, long rows) {}

  /**
   * What a run commits: its date and every table of that snapshot, keyed by the table's path;
   * tables it did not write (the crawl tables under {@code analyze}) keep their earlier entry.
   */
  record Journal(String runId, String snapshotDate, Map<String, Entry> tables) {
    Journal {
      LocalDate.parse(snapshotDate);
      tables = new LinkedHashMap<>(tables);
    }

    LocalDate date() {
      return LocalDate.parse(snapshotDate);
    }
  }

  private final FileSystem fs;
  private final Path root;

  SnapshotCommit(FileSystem fs, Path root) {
    // Our own small files go through the raw local file system: no .crc files beside them.
    this.fs = fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
    this.root = root;
  }

  Path runFolder(String runId) {
    return new Path(root, STAGING + "/" + runId);
  }

  Path stagedTable(String runId, String tablePath) {
    return new Path(runFolder(runId), "snapshot/" + tablePath);
  }

  Path tableFolder(String tablePath) {
    return new Path(root, tablePath);
  }

  Path partition(String tablePath, LocalDate date) {
    return new Path(tableFolder(tablePath), "snapshot_date=" + date);
  }

  Path marker(LocalDate date) {
    return new Path(root, SNAPSHOTS + "/" + date + ".json");
  }

  /** True while the run's journal exists: it passed its commit point and has not finished publishing. */
  boolean pending(String runId) throws IOException {
    return fs.exists(new Path(runFolder(runId), JOURNAL));
  }

  /** Writes the journal (the commit point), then publishes every staged table and the marker. */
  void commit(Journal journal) throws IOException {
    PausePoint.reach("staged");
    writeAtomically(new Path(runFolder(journal.runId()), JOURNAL), JSON.writeValueAsBytes(journal));
    publish(journal);
  }

  /**
   * Finishes what dead runs left under {@code _staging}: a run past its commit point is published,
   * any other staging folder is deleted. Call it only while holding the run lock.
   */
  List<String> recover() throws IOException {
    List<String> done = new ArrayList<>();
    Path staging = new Path(root, STAGING);
    if (!fs.exists(staging)) {
      return done;
    }
    for (FileStatus folder : fs.listStatus(staging)) {
      Path journal = new Path(folder.getPath(), JOURNAL);
      if (fs.exists(journal)) {
        Journal committed = JSON.readValue(read(journal), Journal.class);
        publish(committed);
        done.add("finished publishing snapshot " + committed.date() + " of run " + committed.runId()
            + ", which died after its commit point");
      } else {
        done.add("removed the staging folder of run " + folder.getPath().getName() + ", which died before its commit point");
      }
      fs.delete(folder.getPath(), true);
    }
    fs.delete(staging, true);
    return done;
  }

  /** Idempotent: a table whose staged folder is gone was published before a crash. */
  private void publish(Journal journal) throws IOException {
    LocalDate date = journal.date();
    fs.delete(marker(date), false);
    boolean first = true;
    for (String table : journal.tables().keySet()) {
      Path staged = stagedTable(journal.runId(), table);
      if (!fs.exists(staged)) {
        continue;
      }
      Path target = partition(table, date);
      fs.mkdirs(target.getParent());
      if (fs.exists(target)) {
        Path replaced = new Path(runFolder(journal.runId()), "replaced/" + table);
        fs.mkdirs(replaced.getParent());
        rename(target, replaced);
      }
      rename(staged, target);
      if (first) {
        PausePoint.reach("publishing");
        first = false;
      }
    }
    writeAtomically(marker(date), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(journal));
    fs.delete(new Path(runFolder(journal.runId()), "replaced"), true);
    fs.delete(new Path(runFolder(journal.runId()), JOURNAL), false);
  }

  /** The tables of the committed snapshot of {@code date} as its marker lists them; empty without a marker. */
  Map<String, Entry> committedTables(LocalDate date) throws IOException {
    if (!fs.exists(marker(date))) {
      return Map.of();
    }
    return JSON.readValue(read(marker(date)), Journal.class).tables();
  }

  /** The snapshot dates that have a marker, oldest first. */
  List<LocalDate> markedDates() throws IOException {
    List<LocalDate> dates = new ArrayList<>();
    Path folder = new Path(root, SNAPSHOTS);
    if (fs.exists(folder)) {
      for (FileStatus status : fs.listStatus(folder)) {
        String name = status.getPath().getName();
        if (name.endsWith(".json") && !name.startsWith(".")) {
          dates.add(LocalDate.parse(name.substring(0, name.length() - ".json".length())));
        }
      }
    }
    dates.sort(null);
    return dates;
  }

  void deleteMarker(LocalDate date) throws IOException {
    fs.delete(marker(date), false);
  }

  /** Writes a file next to its final name and renames it there, so readers see all of it or nothing. */
  void writeAtomically(Path path, byte[] content) throws IOException {
    Path temporary = new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
    fs.mkdirs(path.getParent());
    try (OutputStream out = fs.create(temporary, false)) {
      out.write(content);
    }
    // Hadoop's rename does not replace an existing file on HDFS; a reader may briefly find none.
    fs.delete(path, false);
    rename(temporary, path);
  }

  byte[] read(Path path) throws IOException {
    try (var in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      if (!fs.exists(from)) {
        throw new FileNotFoundException("could not rename " + from + " to " + to + ": it does not exist");
      }
      throw new IOException("could not rename " + from + " to " + to);
    }
  }
}
