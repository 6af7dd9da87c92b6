package io.imagecensus.warehouse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * One writing run at a time per warehouse: the file {@code _lock} in the root, created only if
 * absent, holds the run id, host, pid and start time; its modification time is the run's
 * heartbeat. A lock whose heartbeat is older than the timeout, or whose process is gone from this
 * host, is taken over with a warning.
 */
public final class RunLock implements AutoCloseable {
  static final String FILE = "_lock";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Who holds the lock: the run, the snapshot it writes, and the process it runs in. */
  public record Holder(String runId, String command, String snapshotDate, String host, long pid, String startedAt) {
    /** This process, starting {@code command} for {@code snapshotDate} now. */
    public static Holder of(String runId, String command, String snapshotDate, Instant startedAt) {
      return new Holder(runId, command, snapshotDate, localHost(), ProcessHandle.current().pid(), startedAt.toString());
    }
  }

  /** Another live run holds the lock; the message names it and the way out. */
  public static final class BusyException extends RuntimeException {
    BusyException(String message) {
      super(message);
    }
  }

  private final FileSystem fs;
  private final Path path;
  private final Holder holder;
  private final Optional<Holder> tookOverFrom;
  private final ScheduledExecutorService heartbeat;

  private RunLock(FileSystem fs, Path path, Holder holder, Optional<Holder> tookOverFrom, Duration timeout) {
    this.fs = fs;
    this.path = path;
    this.holder = holder;
    this.tookOverFrom = tookOverFrom;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "image-census-lock-heartbeat");
      thread.setDaemon(true);
      return thread;
    });
    long every = Math.max(1, Math.min(60, timeout.toSeconds() / 4));
    heartbeat.scheduleAtFixedRate(this::beat, every, every, TimeUnit.SECONDS);
  }

  /**
   * Takes the lock of the warehouse at {@code root} for {@code me}, or throws {@link BusyException}
   * naming the live holder; {@code force} takes over any lock.
   */
  static RunLock acquire(FileSystem fileSystem, Path root, Holder me, Duration timeout, boolean force, PrintStream warnings) {
    FileSystem fs = fileSystem instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fileSystem;
    Path path = new Path(root, FILE);
    Optional<Holder> previous = Optional.empty();
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        if (createExclusive(fs, path, JSON.writeValueAsBytes(me))) {
          return new RunLock(fs, path, me, previous, timeout);
        }
        FileStatus status;
        byte[] content;
        try {
          status = fs.getFileStatus(path);
          content = readAll(fs, path);
        } catch (FileNotFoundException released) {
          continue;
        }
        Holder other = parse(content);
        Instant beat = Instant.ofEpochMilli(status.getModificationTime());
        String stale = staleReason(other, beat, timeout, force);
        if (stale == null) {
          throw new BusyException("another run " + other.runId() + " (" + other.command() + " for " + other.snapshotDate()
              + ", host " + other.host() + ", pid " + other.pid() + ") holds " + path + " since " + other.startedAt()
              + " (last heartbeat " + beat + "); wait for it, or if it died, rerun after --lock-timeout "
              + format(timeout) + " has passed or with --force-unlock");
        }
        warnings.println("image-census: warning: taking over " + path + " from run " + other.runId() + " (host "
            + other.host() + ", pid " + other.pid() + ", started " + other.startedAt() + "): " + stale);
        fs.delete(path, false);
        previous = Optional.of(other);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to take the run lock " + path + " but failed because: " + e.getMessage(), e);
    }
    throw new BusyException("another run took " + path + " each time this run tried; run again later");
  }

  /** The run whose stale lock this one took over, if any: it died without recording its end. */
  public Optional<Holder> tookOverFrom() {
    return tookOverFrom;
  }

  /** Fails unless the lock file still names this run, so a run whose lock was taken over never commits. */
  public void requireHeld() {
    Holder current;
    try {
      current = parse(readAll(fs, path));
    } catch (IOException e) {
      throw new IllegalStateException("run " + holder.runId() + " lost its lock " + path + " (" + e.getMessage()
          + "); another run took over, so this one stops without committing");
    }
    if (!current.runId().equals(holder.runId())) {
      throw new IllegalStateException("run " + holder.runId() + " lost its lock " + path + " to run " + current.runId()
          + "; it stops without committing");
    }
  }

  /** Stops the heartbeat and removes the lock if it is still this run's. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      if (parse(readAll(fs, path)).runId().equals(holder.runId())) {
        fs.delete(path, false);
      }
    } catch (FileNotFoundException gone) {
      // Taken over and released by another run: nothing of ours to remove.
    } catch (IOException e) {
      throw new UncheckedIOException("Tried to release the run lock " + path + " but failed because: " + e.getMessage(), e);
    }
  }

  private void beat() {
    try {
      fs.setTimes(path, System.currentTimeMillis(), -1);
    } catch (IOException | RuntimeException e) {
      // A missed heartbeat only brings the takeover closer; the commit checks ownership itself.
    }
  }

  private static String staleReason(Holder other, Instant beat, Duration timeout, boolean force) {
    if (force) {
      return "--force-unlock was given";
    }
    if (other.host().equals(localHost()) && ProcessHandle.of(other.pid()).map(p -> !p.isAlive()).orElse(true)) {
      return "its process " + other.pid() + " no longer runs on this host";
    }
    if (beat.plus(timeout).isBefore(Instant.now())) {
      return "its last heartbeat was at " + beat + ", longer ago than --lock-timeout " + format(timeout);
    }
    return null;
  }

  /**
   * Creates the file only if it does not exist. On the local file system this is the atomic
   * O_EXCL open; on HDFS {@code create(path, false)} is atomic in the NameNode; on S3A it is a
   * check then a write, so two runs started in the same instant may both pass (see README).
   */
  private static boolean createExclusive(FileSystem fs, Path path, byte[] content) throws IOException {
    if (fs instanceof RawLocalFileSystem local) {
      java.nio.file.Path file = local.pathToFile(path).toPath();
      Files.createDirectories(file.getParent());
      try {
        Files.write(file, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return true;
      } catch (FileAlreadyExistsException e) {
        return false;
      }
    }
    try (OutputStream out = fs.create(path, false)) {
      out.write(content);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    }
  }

  /** A lock file cut short by a kill while it was written still names an (unknown) holder. */
  private static Holder parse(byte[] content) {
    try {
      return JSON.readValue(content, Holder.class);
    } catch (IOException e) {
      return new Holder("unknown", "unknown", "unknown", "unknown", -1, "unknown");
    }
  }

  private static byte[] readAll(FileSystem fs, Path path) throws IOException {
    try (var in = fs.open(path)) {
      return in.readAllBytes();
    }
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown");
    }
  }

  /** 6h, 90m, 45s: the way --lock-timeout is written. */
  static String format(Duration duration) {
    long seconds = duration.toSeconds();
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }
}
