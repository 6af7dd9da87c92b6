package io.imagecensus.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit protocol on the local file system, with the states a SIGKILL can leave built by hand. */
class SnapshotCommitTest {
  private static final LocalDate NIGHT = LocalDate.of(2026, 12, 5);
  private static final String RUN = "20261205T020000Z-dead0001";

  @TempDir
  java.nio.file.Path dir;

  private SnapshotCommit commit;

  @BeforeEach
  void previousNightIsCommitted() throws IOException {
    commit = new SnapshotCommit(FileSystem.getLocal(new Configuration()), new Path(dir.toUri()));
    write("tags/snapshot_date=2026-12-05/part-00000.parquet", "old tags");
    write("images/snapshot_date=2026-12-05/part-00000.parquet", "old images");
    write("_snapshots/2026-12-05.json", "old marker");
  }

  private void write(String path, String content) throws IOException {
    java.nio.file.Path file = dir.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private void stage(String table, String content) throws IOException {
    write("_staging/" + RUN + "/snapshot/" + table + "/part-00000.parquet", content);
  }

  private Map<String, String> files() throws IOException {
    try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
      Map<String, String> result = new LinkedHashMap<>();
      for (java.nio.file.Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        result.put(dir.relativize(file).toString(), Files.readString(file));
      }
      return result;
    }
  }

  private static SnapshotCommit.Journal journal() {
    Map<String, SnapshotCommit.Entry> tables = new LinkedHashMap<>();
    tables.put("tags", new SnapshotCommit.Entry(RUN, 2));
    tables.put("images", new SnapshotCommit.Entry(RUN, 3));
    return new SnapshotCommit.Journal(RUN, NIGHT.toString(), tables);
  }

  private static final String JOURNAL = "{\"runId\":\"" + RUN + "\",\"snapshotDate\":\"2026-12-05\",\"tables\":{"
      + "\"tags\":{\"runId\":\"" + RUN + "\",\"rows\":2},\"images\":{\"runId\":\"" + RUN + "\",\"rows\":3}}}";

  private static final String NEW_MARKER = """
      {
        "runId" : "20261205T020000Z-dead0001",
        "snapshotDate" : "2026-12-05",
        "tables" : {
          "tags" : {
            "runId" : "20261205T020000Z-dead0001",
            "rows" : 2
          },
          "images" : {
            "runId" : "20261205T020000Z-dead0001",
            "rows" : 3
          }
        }
      }""";

  @Test
  void aCommitReplacesEveryTableAndWritesTheMarkerLast() throws IOException {
    stage("tags", "new tags");
    stage("images", "new images");

    commit.commit(journal());

    assertThat(files()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "_snapshots/2026-12-05.json", NEW_MARKER,
        "images/snapshot_date=2026-12-05/part-00000.parquet", "new images",
        "tags/snapshot_date=2026-12-05/part-00000.parquet", "new tags"));
    assertThat(commit.pending(RUN)).isFalse();
  }

  @Test
  void aCommitOfSomeTablesKeepsTheEntriesOfTheOthers() throws IOException {
    write("_snapshots/2026-12-05.json", "{\"runId\":\"20261205T010000Z-crawl001\",\"snapshotDate\":\"2026-12-05\","
        + "\"tables\":{\"tags\":{\"runId\":\"20261205T010000Z-crawl001\",\"rows\":2},"
        + "\"images\":{\"runId\":\"20261205T010000Z-crawl001\",\"rows\":3}}}");
    stage("images", "new images");
    Map<String, SnapshotCommit.Entry> tables = new LinkedHashMap<>(commit.committedTables(NIGHT));
    tables.put("images", new SnapshotCommit.Entry(RUN, 4));

    commit.commit(new SnapshotCommit.Journal(RUN, NIGHT.toString(), tables));

    assertThat(commit.committedTables(NIGHT)).containsExactly(
        Map.entry("tags", new SnapshotCommit.Entry("20261205T010000Z-crawl001", 2)),
        Map.entry("images", new SnapshotCommit.Entry(RUN, 4)));
    assertThat(files()).containsEntry("tags/snapshot_date=2026-12-05/part-00000.parquet", "old tags")
        .containsEntry("images/snapshot_date=2026-12-05/part-00000.parquet", "new images");
  }

  @Test
  void aRunKilledBeforeItsCommitPointIsDiscardedAndThePreviousStateStays() throws IOException {
    stage("tags", "new tags");
    stage("images", "new ima");

    assertThat(commit.recover()).containsExactly(
        "removed the staging folder of run " + RUN + ", which died before its commit point");

    assertThat(files()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "_snapshots/2026-12-05.json", "old marker",
        "images/snapshot_date=2026-12-05/part-00000.parquet", "old images",
        "tags/snapshot_date=2026-12-05/part-00000.parquet", "old tags"));
  }

  @Test
  void aRunKilledBetweenTwoRenamesIsRolledForward() throws IOException {
    // The state after the journal, the first table swapped, and the second table moved aside.
    write("_staging/" + RUN + "/COMMIT.json", JOURNAL);
    write("tags/snapshot_date=2026-12-05/part-00000.parquet", "new tags");
    write("_staging/" + RUN + "/replaced/tags/part-00000.parquet", "old tags");
    Files.move(dir.resolve("images/snapshot_date=2026-12-05"), Files.createDirectories(dir.resolve("_staging/" + RUN + "/replaced")).resolve("images"));
    stage("images", "new images");
    Files.delete(dir.resolve("_snapshots/2026-12-05.json"));

    assertThat(commit.recover()).containsExactly(
        "finished publishing snapshot 2026-12-05 of run " + RUN + ", which died after its commit point");

    assertThat(files()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "_snapshots/2026-12-05.json", NEW_MARKER,
        "images/snapshot_date=2026-12-05/part-00000.parquet", "new images",
        "tags/snapshot_date=2026-12-05/part-00000.parquet", "new tags"));
  }

  @Test
  void recoveringTwiceChangesNothingMore() throws IOException {
    write("_staging/" + RUN + "/COMMIT.json", JOURNAL);
    stage("tags", "new tags");
    stage("images", "new images");
    commit.recover();
    Map<String, String> once = files();

    assertThat(commit.recover()).isEmpty();
    assertThat(files()).isEqualTo(once);
    assertThat(once.keySet()).containsExactlyInAnyOrder("_snapshots/2026-12-05.json",
        "images/snapshot_date=2026-12-05/part-00000.parquet", "tags/snapshot_date=2026-12-05/part-00000.parquet");
  }

  @Test
  void pruneKeepsTheNewestSnapshotsOfEverySnapshotTableAndNeverTheStores() throws IOException {
    for (String date : List.of("2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04")) {
      write("tags/snapshot_date=" + date + "/part-00000.parquet", "t" + date);
      write("images/snapshot_date=" + date + "/part-00000.parquet", "i" + date);
      write("_snapshots/" + date + ".json", "m" + date);
    }
    write("size_trends/snapshot_date=2026-11-30/part-00000.parquet", "only analytics that night");
    write("store/manifests/batch=20261201T020000Z-aaaa0001/part-00000.parquet", "manifests");
    write("layers/batch=20261201T020000Z-aaaa0001/part-00000.parquet", "layers");
    write("runs/snapshot_date=2026-12-01/run-20261201T020000Z-aaaa0001.parquet", "run");
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Retention retention = new Retention(fs, commit, List.of("tags", "images", "size_trends"));
    assertThat(retention.dates()).extracting(LocalDate::toString)
        .containsExactly("2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05");

    assertThat(retention.prune(2)).extracting(LocalDate::toString)
        .containsExactly("2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03");

    assertThat(new TreeSet<>(files().keySet())).containsExactly(
        "_snapshots/2026-12-04.json",
        "_snapshots/2026-12-05.json",
        "images/snapshot_date=2026-12-04/part-00000.parquet",
        "images/snapshot_date=2026-12-05/part-00000.parquet",
        "layers/batch=20261201T020000Z-aaaa0001/part-00000.parquet",
        "runs/snapshot_date=2026-12-01/run-20261201T020000Z-aaaa0001.parquet",
        "store/manifests/batch=20261201T020000Z-aaaa0001/part-00000.parquet",
        "tags/snapshot_date=2026-12-04/part-00000.parquet",
        "tags/snapshot_date=2026-12-05/part-00000.parquet");
    assertThat(retention.prune(2)).isEmpty();
    assertThat(commit.markedDates()).extracting(LocalDate::toString).containsExactly("2026-12-04", "2026-12-05");
  }
}
