package io.imagecensus.warehouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  private static final Duration SIX_HOURS = Duration.ofHours(6);

  @TempDir
  java.nio.file.Path dir;

  private FileSystem fs() throws IOException {
    return FileSystem.getLocal(new Configuration());
  }

  private Path root() {
    return new Path(dir.toUri());
  }

  private String lockPath() {
    return new Path(root(), "_lock").toString();
  }

  private static RunLock.Holder holder(String runId) {
    return RunLock.Holder.of(runId, "run", "2026-12-05", Instant.parse("2026-12-05T02:00:00Z"));
  }

  @Test
  void aSecondRunIsRefusedWithOneLineNamingTheHolderAndTheFix() throws Exception {
    PrintStream warnings = new PrintStream(new ByteArrayOutputStream());
    try (RunLock first = RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), SIX_HOURS, false, warnings)) {
      java.nio.file.Path file = dir.resolve("_lock");
      Instant heartbeat = Instant.ofEpochMilli(Files.getLastModifiedTime(file).toMillis());
      String host = InetAddress.getLocalHost().getHostName();
      long pid = ProcessHandle.current().pid();

      assertThatThrownBy(() -> RunLock.acquire(fs(), root(), holder("20261205T020001Z-bbbb2222"), SIX_HOURS, false, warnings))
          .isInstanceOf(RunLock.BusyException.class)
          .hasMessage("another run 20261205T020000Z-aaaa1111 (run for 2026-12-05, host " + host + ", pid " + pid + ") holds "
              + lockPath() + " since 2026-12-05T02:00:00Z (last heartbeat " + heartbeat + "); wait for it, or if it died, "
              + "rerun after --lock-timeout 6h has passed or with --force-unlock");
      assertThat(first.tookOverFrom()).isEmpty();
      assertThat(Files.readString(file)).contains("\"runId\":\"20261205T020000Z-aaaa1111\"");
    }
    assertThat(dir.resolve("_lock")).doesNotExist();
  }

  @Test
  void ofManyRunsStartingAtOnceExactlyOneGetsTheLock() throws Exception {
    int runs = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    List<Future<Optional<RunLock>>> attempts = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      String runId = "20261205T020000Z-0000000" + i;
      Callable<Optional<RunLock>> attempt = () -> {
        start.await();
        try {
          return Optional.of(RunLock.acquire(fs(), root(), holder(runId), SIX_HOURS, false, new PrintStream(new ByteArrayOutputStream())));
        } catch (RunLock.BusyException e) {
          return Optional.empty();
        }
      };
      attempts.add(pool.submit(attempt));
    }
    start.countDown();
    List<RunLock> winners = new ArrayList<>();
    for (Future<Optional<RunLock>> attempt : attempts) {
      attempt.get().ifPresent(winners::add);
    }
    pool.shutdown();
    assertThat(winners).hasSize(1);
    winners.get(0).close();
  }

  @Test
  void aLockLeftByADeadProcessOnThisHostIsTakenOverWithAWarning() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String host = InetAddress.getLocalHost().getHostName();
    Files.writeString(dir.resolve("_lock"), "{\"runId\":\"20261204T020000Z-dead0001\",\"command\":\"crawl\",\"snapshotDate\":\"2026-12-04\","
        + "\"host\":\"" + host + "\",\"pid\":" + gone.pid() + ",\"startedAt\":\"2026-12-04T02:00:00Z\"}");
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();

    try (RunLock lock = RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), SIX_HOURS, false,
        new PrintStream(warnings, true, StandardCharsets.UTF_8))) {
      assertThat(lock.tookOverFrom()).contains(
          new RunLock.Holder("20261204T020000Z-dead0001", "crawl", "2026-12-04", host, gone.pid(), "2026-12-04T02:00:00Z"));
      assertThat(warnings.toString(StandardCharsets.UTF_8)).isEqualTo("image-census: warning: taking over " + lockPath()
          + " from run 20261204T020000Z-dead0001 (host " + host + ", pid " + gone.pid()
          + ", started 2026-12-04T02:00:00Z): its process " + gone.pid() + " no longer runs on this host\n");
      lock.requireHeld();
    }
  }

  @Test
  void aLockFromAnotherHostIsTakenOverOnlyAfterTheTimeout() throws Exception {
    java.nio.file.Path file = dir.resolve("_lock");
    Files.writeString(file, "{\"runId\":\"20261204T020000Z-far00001\",\"command\":\"run\",\"snapshotDate\":\"2026-12-04\","
        + "\"host\":\"other-node\",\"pid\":1,\"startedAt\":\"2026-12-04T02:00:00Z\"}");
    Instant beat = Instant.now().minus(Duration.ofHours(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Files.setLastModifiedTime(file, FileTime.from(beat));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

    assertThatThrownBy(() -> RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), SIX_HOURS, false, quiet))
        .isInstanceOf(RunLock.BusyException.class)
        .hasMessageStartingWith("another run 20261204T020000Z-far00001 (run for 2026-12-04, host other-node, pid 1)");

    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    try (RunLock lock = RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), Duration.ofHours(4), false,
        new PrintStream(warnings, true, StandardCharsets.UTF_8))) {
      assertThat(lock.tookOverFrom().map(RunLock.Holder::runId)).contains("20261204T020000Z-far00001");
      assertThat(warnings.toString(StandardCharsets.UTF_8)).endsWith(
          ": its last heartbeat was at " + beat + ", longer ago than --lock-timeout 4h\n");
    }
  }

  @Test
  void forceUnlockTakesOverALiveLockAndTheLoserMayNotCommit() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
    RunLock first = RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), SIX_HOURS, false, quiet);
    try (RunLock second = RunLock.acquire(fs(), root(), holder("20261205T030000Z-bbbb2222"), SIX_HOURS, true, quiet)) {
      assertThat(second.tookOverFrom().map(RunLock.Holder::runId)).contains("20261205T020000Z-aaaa1111");
      assertThatThrownBy(first::requireHeld).hasMessage("run 20261205T020000Z-aaaa1111 lost its lock " + lockPath()
          + " to run 20261205T030000Z-bbbb2222; it stops without committing");
      first.close();
      assertThat(dir.resolve("_lock")).exists();
      second.requireHeld();
    }
    assertThat(dir.resolve("_lock")).doesNotExist();
  }

  @Test
  void theHeartbeatKeepsTheLockFresh() throws Exception {
    java.nio.file.Path file = dir.resolve("_lock");
    try (RunLock lock = RunLock.acquire(fs(), root(), holder("20261205T020000Z-aaaa1111"), Duration.ofSeconds(4), false,
        new PrintStream(new ByteArrayOutputStream()))) {
      Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
      // The beat comes every second with a 4 s timeout; wait for it rather than for a time.
      while (Files.getLastModifiedTime(file).toInstant().equals(Instant.parse("2026-01-01T00:00:00Z"))) {
        Thread.sleep(100);
      }
      assertThat(Files.getLastModifiedTime(file).toInstant()).isAfter(Instant.now().minusSeconds(60));
    }
  }

  @Test
  void timeoutsAreWrittenTheWayTheFlagTakesThem() {
    assertThat(RunLock.format(Duration.ofHours(6))).isEqualTo("6h");
    assertThat(RunLock.format(Duration.ofMinutes(90))).isEqualTo("90m");
    assertThat(RunLock.format(Duration.ofSeconds(45))).isEqualTo("45s");
  }
}
