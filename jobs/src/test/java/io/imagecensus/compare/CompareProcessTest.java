package io.imagecensus.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.imagecensus.demo.EstateImage;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.TestRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code image-census compare} as a CI job runs it: its own JVM through {@code cli.Main}, with
 * Spark on the classpath as in the launcher. The test phase builds no jar, and the launcher
 * would run {@code mvn package} for a stale one, so the JVM gets the test classpath instead.
 */
@ExtendWith(RegistryExtension.class)
class CompareProcessTest {

  @Test
  void runsInItsOwnJvmWithoutLoadingASingleSparkClass(TestRegistry registry, @TempDir Path dir)
      throws IOException, InterruptedException {
    EstateImage a = registry.truth().image("erp/api-server", "2026.10.0");
    EstateImage b = registry.truth().image("erp/api-server", "2026.01.0");
    Path classLog = dir.resolve("classes.log");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:class+load=info:file=" + classLog, "-cp", classpath, "io.imagecensus.cli.Main", "compare",
        registry.hostPort() + "/erp/api-server:2026.10.0", registry.hostPort() + "/erp/api-server:2026.01.0",
        "--insecure", "--max-growth", "5%");

    long started = System.nanoTime();
    Process process = new ProcessBuilder(command)
        .redirectOutput(dir.resolve("out.txt").toFile())
        .redirectError(dir.resolve("err.txt").toFile())
        .start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("compare finished").isTrue();
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.println("image-census compare in its own JVM took " + millis + " ms wall time");

    String out = Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8);
    String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as(err).isEqualTo(3);
    assertThat(out.lines().reduce((first, second) -> second).orElseThrow()).isEqualTo(String.format(
        "FAILED: compressed size grew by +302.7 %% (%+,d B), over the limit of +5 %%", b.compressedBytes() - a.compressedBytes()));
    assertThat(err).isEmpty();
    List<String> loaded = Files.readAllLines(classLog);
    assertThat(loaded).anyMatch(line -> line.contains("io.imagecensus.compare.CompareCommand"));
    assertThat(loaded).noneMatch(line -> line.contains("org.apache.spark"));
  }
}
