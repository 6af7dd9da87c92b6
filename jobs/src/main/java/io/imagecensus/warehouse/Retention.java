package io.imagecensus.warehouse;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Keeps the newest snapshots of the snapshot tables and deletes the older partitions. The
 * content stores ({@code store/*}, {@code layers}) are never touched: they are keyed by digest,
 * shared by every snapshot, and small; the {@code runs} log keeps every attempt.
 */
final class Retention {
  private static final String PREFIX = "snapshot_date=";

  private final FileSystem fs;
  private final SnapshotCommit commit;
  private final List<String> snapshotTables;

  Retention(FileSystem fs, SnapshotCommit commit, List<String> snapshotTables) {
    this.fs = fs;
    this.commit = commit;
    this.snapshotTables = List.copyOf(snapshotTables);
  }

  /** Every snapshot date that has a partition in any snapshot table, oldest first. */
  List<LocalDate> dates() throws IOException {
    TreeSet<LocalDate> dates = new TreeSet<>();
    for (String table : snapshotTables) {
      Path folder = commit.tableFolder(table);
      if (!fs.exists(folder)) {
        continue;
      }
      for (FileStatus status : fs.listStatus(folder)) {
        String name = status.getPath().getName();
        if (status.isDirectory() && name.startsWith(PREFIX)) {
          dates.add(LocalDate.parse(name.substring(PREFIX.length())));
        }
      }
    }
    return new ArrayList<>(dates);
  }

  /**
   * Deletes every snapshot older than the newest {@code keep}: first its marker, so it no longer
   * counts as complete, then its partition of each table. Returns the deleted dates, oldest first.
   */
  List<LocalDate> prune(int keep) throws IOException {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, was " + keep);
    }
    List<LocalDate> dates = dates();
    List<LocalDate> old = dates.subList(0, Math.max(0, dates.size() - keep));
    for (LocalDate date : old) {
      commit.deleteMarker(date);
      for (String table : snapshotTables) {
        fs.delete(commit.partition(table, date), true);
      }
    }
    return List.copyOf(old);
  }
}
