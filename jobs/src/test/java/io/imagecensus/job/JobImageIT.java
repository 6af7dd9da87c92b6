package io.imagecensus.job;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imagecensus.config.ConfigLoader;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.demo.DistrolessJavaBase;
import io.imagecensus.model.Table;
import io.imagecensus.testing.RegistryAuth;
import io.imagecensus.testing.RegistryProcess;
import io.imagecensus.testing.SampleWarehouse;
import io.imagecensus.testing.SharedSpark;
import io.imagecensus.testing.Skopeo;
import io.imagecensus.warehouse.Warehouse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds the job's own image with the jib-maven-plugin configuration of jobs/pom.xml (a child Maven
 * on the packaged module), on a stand-in distroless Java base in a local registry, then crawls that
 * registry with image-census: the job's image must be reported distroless and non-root.
 */
class JobImageIT {
  private static final String IMAGE_REPOSITORY = "erp/image-census";

  @Test
  void isReportedDistrolessAndNonRoot(@TempDir Path dir) throws Exception {
    try (RegistryProcess registry = RegistryProcess.start(RegistryAuth.ANONYMOUS)) {
      String baseDigest = DistrolessJavaBase.push(registry.baseUrl());
      String base = registry.hostPort() + "/" + DistrolessJavaBase.REPOSITORY + ":" + DistrolessJavaBase.TAG;
      long started = System.nanoTime();
      buildImage(base, registry.hostPort() + "/" + IMAGE_REPOSITORY + ":test", dir);
      System.out.printf("JobImageIT: jib:build took %.1f s%n", (System.nanoTime() - started) / 1e9);

      JsonNode config = new ObjectMapper().readTree(
          Skopeo.inspectConfig(registry.hostPort(), Optional.empty(), IMAGE_REPOSITORY + ":test"));
      JsonNode runtime = config.path("config");
      assertThat(runtime.path("User").asText()).isEqualTo("65532");
      assertThat(texts(runtime.path("Entrypoint")))
          .containsExactly("java", "-cp", "@/app/jib-classpath-file", "io.imagecensus.cli.Main");
      assertThat(texts(runtime.path("Env"))).contains("SPARK_LOCAL_IP=127.0.0.1")
          .anySatisfy(env -> assertThat(env).startsWith("JDK_JAVA_OPTIONS=-XX:+IgnoreUnrecognizedVMOptions ")
              .contains(" --add-opens=java.base/sun.nio.ch=ALL-UNNAMED "));

      started = System.nanoTime();
      Path configFile = dir.resolve("image-census.yaml");
      Files.writeString(configFile, """
          warehouse: %s
          registries:
            - {name: erp, url: "%s", insecure: true}
          components:
            - {name: image-census, registry: erp, repositories: [%s]}
          base-images:
            - {registry: erp, repository: %s, tags: ["*"], family: distroless}
          """.formatted(dir.resolve("warehouse").toUri(), registry.baseUrl(), IMAGE_REPOSITORY,
          DistrolessJavaBase.REPOSITORY));
      CensusConfig census = ConfigLoader.load(configFile);
      new CensusRun(SharedSpark.get(), census, Map.of(), new PrintStream(new ByteArrayOutputStream()))
          .run(SampleWarehouse.NIGHT);
      System.out.printf("JobImageIT: crawl and analytics took %.1f s%n", (System.nanoTime() - started) / 1e9);

      Warehouse warehouse = new Warehouse(SharedSpark.get(), census.warehouse());
      List<Row> images = warehouse.readSnapshot(Table.IMAGES, SampleWarehouse.NIGHT)
          .filter(col("repository").equalTo(IMAGE_REPOSITORY)).collectAsList();
      assertThat(images).hasSize(1);
      Row image = images.get(0);
      assertThat((String) image.getAs("user")).isEqualTo("65532");
      assertThat((Boolean) image.getAs("runs_as_root")).isFalse();
      // Jib 3.5 writes no manifest annotations; the base's name is in the labels.
      assertThat((String) image.getAs("base_name_annotation")).isNull();
      assertThat(image.<scala.collection.Map<String, String>>getAs("labels").get("org.opencontainers.image.base.name"))
          .isEqualTo(scala.Option.apply(base));

      Row imageBase = warehouse.readSnapshot(Table.IMAGE_BASES, SampleWarehouse.NIGHT)
          .filter(col("image_digest").equalTo((String) image.getAs("digest"))).first();
      assertThat((String) imageBase.getAs("base_family")).isEqualTo("distroless");
      assertThat((String) imageBase.getAs("base_ref")).isEqualTo(DistrolessJavaBase.REPOSITORY + ":" + DistrolessJavaBase.TAG);
      assertThat((String) imageBase.getAs("base_digest")).isEqualTo(baseDigest);
      // Found by the base's three layers at the start of the image (diff_ids).
      assertThat((String) imageBase.getAs("method")).isEqualTo("layers");
      assertThat((Integer) imageBase.getAs("matched_layers")).isEqualTo(3);
    }
  }

  /**
   * Runs {@code mvn jib:build} on the already built jobs module, as the README tells users to.
   * Never with -o: jib refuses to push in offline mode; Maven only goes online for a missing plugin.
   */
  private static void buildImage(String base, String target, Path dir) throws Exception {
    Path root = Path.of(System.getProperty("image-census.root", "..")).toAbsolutePath().normalize();
    Path mvn = Path.of(System.getProperty("maven.home", "/usr/share/maven"), "bin", "mvn");
    List<String> command = List.of(mvn.toString(), "-B", "-q", "-f", root.resolve("pom.xml").toString(),
        "-pl", "jobs", "jib:build", "-Dimage.base=" + base, "-Dimage=" + target,
        "-Djib.allowInsecureRegistries=true", "-Djib.baseImageCache=" + dir.resolve("jib-base-cache"));
    Path log = dir.resolve("jib.log");
    Process maven = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!maven.waitFor(15, TimeUnit.MINUTES)) {
      maven.descendants().forEach(ProcessHandle::destroyForcibly);
      maven.destroyForcibly();
      fail("mvn jib:build did not end within 15 minutes: " + log);
    }
    assertThat(maven.exitValue()).as("exit code of %s; output:%n%s", command, Files.readString(log, UTF_8)).isZero();
  }

  private static List<String> texts(JsonNode array) {
    List<String> result = new ArrayList<>();
    array.forEach(node -> result.add(node.asText()));
    return result;
  }
}
