package io.imagecensus.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.imagecensus.config.CensusConfig;
import io.imagecensus.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduling units and manifests in scripts/schedule, parsed and checked field by field. */
class SchedulingFilesTest {
  private static final Path SCHEDULE = Path.of("..", "scripts", "schedule");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String CONFIG = "/etc/image-census/image-census.yaml";
  private static final String IMAGE = "registry.example/image-census:0.1.0";

  private static JsonNode yaml(String file) throws IOException {
    return YAML.readTree(SCHEDULE.resolve(file).toFile());
  }

  /** A systemd unit as section -> key -> values (a key may repeat). */
  private static Map<String, Map<String, List<String>>> unit(String file) throws IOException {
    Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
    Map<String, List<String>> current = null;
    for (String raw : Files.readAllLines(SCHEDULE.resolve(file))) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        current = sections.computeIfAbsent(line.substring(1, line.length() - 1), s -> new LinkedHashMap<>());
      } else {
        int equals = line.indexOf('=');
        assertThat(equals).as(file + ": " + line).isPositive();
        assertThat(current).as(file + ": key before any section: " + line).isNotNull();
        current.computeIfAbsent(line.substring(0, equals).strip(), k -> new ArrayList<>()).add(line.substring(equals + 1).strip());
      }
    }
    return sections;
  }

  @Test
  void theTimerStartsTheServiceNightlyAndCatchesUpMissedNights() throws IOException {
    Map<String, List<String>> timer = unit("image-census.timer").get("Timer");

    assertThat(timer.get("OnCalendar")).containsExactly("*-*-* 02:30:00 UTC");
    assertThat(timer.get("Persistent")).containsExactly("true");
    assertThat(timer.get("Unit")).containsExactly("image-census.service");
    assertThat(unit("image-census.timer").get("Install").get("WantedBy")).containsExactly("timers.target");
  }

  @Test
  void theServiceRunsTheLauncherWithTheConfigLogsToTheJournalAndReadsCredentialsFromAnEnvFile() throws IOException {
    Map<String, List<String>> service = unit("image-census.service").get("Service");

    assertThat(service.get("Type")).containsExactly("oneshot");
    assertThat(service.get("ExecStart")).containsExactly("/opt/image-census/scripts/image-census run --config " + CONFIG
        + " --summary-file /var/lib/image-census/last-run.json");
    assertThat(service.get("WorkingDirectory")).containsExactly("/opt/image-census");
    assertThat(service.get("EnvironmentFile")).containsExactly("/etc/image-census/credentials.env");
    assertThat(service.get("TimeoutStartSec")).containsExactly("4h");
    assertThat(service.get("StandardOutput")).containsExactly("journal");
    assertThat(service.get("StandardError")).containsExactly("journal");
    // ExecStart names the repository's own launcher, installed at /opt/image-census.
    assertThat(Path.of("..", "scripts", "image-census")).isExecutable();
    assertThat(Files.readString(SCHEDULE.resolve("credentials.env.example")))
        .contains("\nERP_REGISTRY_USER=").contains("\nERP_REGISTRY_PASSWORD=");
  }

  @Test
  void theCrontabLineRunsTheLauncherNightlyWithTheCredentialsFile() throws IOException {
    List<String> entries = Files.readAllLines(SCHEDULE.resolve("image-census.cron")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();

    assertThat(entries).hasSize(2);
    assertThat(entries.get(0)).isEqualTo("CRON_TZ=UTC");
    String[] fields = entries.get(1).split(" ", 6);
    assertThat(List.of(fields).subList(0, 5)).containsExactly("30", "2", "*", "*", "*");
    assertThat(fields[5]).isEqualTo("cd /opt/image-census && set -a && . /etc/image-census/credentials.env && set +a && "
        + "scripts/image-census run --config " + CONFIG + " --summary-file /var/lib/image-census/last-run.json "
        + ">>/var/log/image-census/run.log 2>&1");
  }

  @Test
  void theCronJobSubmitsToKubernetesOneAtATimeWithTheSecretAndTheConfigMap() throws IOException {
    JsonNode cronJob = yaml("k8s/cronjob.yaml");
    assertThat(cronJob.get("apiVersion").asText()).isEqualTo("batch/v1");
    assertThat(cronJob.get("kind").asText()).isEqualTo("CronJob");
    JsonNode spec = cronJob.get("spec");
    assertThat(spec.get("schedule").asText()).isEqualTo("30 2 * * *");
    assertThat(spec.get("concurrencyPolicy").asText()).isEqualTo("Forbid");
    JsonNode pod = spec.get("jobTemplate").get("spec").get("template").get("spec");
    assertThat(pod.get("restartPolicy").asText()).isEqualTo("Never");
    assertThat(pod.get("serviceAccountName").asText()).isEqualTo("image-census");
    JsonNode container = pod.get("containers").get(0);
    assertThat(container.get("image").asText()).isEqualTo(IMAGE);
    assertThat(texts(container.get("command"))).containsExactly("/opt/spark/bin/spark-submit");
    List<String> args = texts(container.get("args"));
    assertThat(after(args, "--master")).isEqualTo("k8s://https://kubernetes.default.svc:443");
    assertThat(after(args, "--class")).isEqualTo("io.imagecensus.cli.Main");
    assertThat(args).contains("spark.kubernetes.container.image=" + IMAGE, "spark.kubernetes.authenticate.driver.serviceAccountName=image-census");
    assertThat(args.subList(args.size() - 4, args.size())).containsExactly("local:///app/image-census.jar", "run", "--config", CONFIG);
    assertThat(secretEnv(container.get("env"))).containsExactly(
        "ERP_REGISTRY_USER=image-census-registry:username", "ERP_REGISTRY_PASSWORD=image-census-registry:password");
    assertThat(container.get("volumeMounts").get(0).get("mountPath").asText()).isEqualTo("/etc/image-census");
    assertThat(pod.get("volumes").get(0).get("configMap").get("name").asText()).isEqualTo("image-census-config");
  }

  @Test
  void theScheduledSparkApplicationRunsTheMainClassWithTheSecret() throws IOException {
    JsonNode app = yaml("k8s/scheduled-spark-application.yaml");
    assertThat(app.get("apiVersion").asText()).isEqualTo("sparkoperator.k8s.io/v1beta2");
    assertThat(app.get("kind").asText()).isEqualTo("ScheduledSparkApplication");
    JsonNode spec = app.get("spec");
    assertThat(spec.get("schedule").asText()).isEqualTo("30 2 * * *");
    assertThat(spec.get("concurrencyPolicy").asText()).isEqualTo("Forbid");
    JsonNode template = spec.get("template");
    assertThat(template.get("type").asText()).isEqualTo("Java");
    assertThat(template.get("mode").asText()).isEqualTo("cluster");
    assertThat(template.get("image").asText()).isEqualTo(IMAGE);
    assertThat(template.get("mainClass").asText()).isEqualTo("io.imagecensus.cli.Main");
    assertThat(template.get("mainApplicationFile").asText()).isEqualTo("local:///app/image-census.jar");
    assertThat(texts(template.get("arguments"))).containsExactly("run", "--config", CONFIG);
    assertThat(template.get("driver").get("serviceAccount").asText()).isEqualTo("image-census");
    assertThat(secretEnv(template.get("driver").get("env"))).containsExactly(
        "ERP_REGISTRY_USER=image-census-registry:username", "ERP_REGISTRY_PASSWORD=image-census-registry:password");
    assertThat(template.get("volumes").get(0).get("configMap").get("name").asText()).isEqualTo("image-census-config");
    assertThat(template.get("driver").get("volumeMounts").get(0).get("mountPath").asText()).isEqualTo("/etc/image-census");
  }

  @Test
  void theConfigMapHoldsAValidConfigurationWhoseCredentialsTheSecretProvides() throws IOException {
    JsonNode configMap = yaml("k8s/configmap.yaml");
    assertThat(configMap.get("metadata").get("name").asText()).isEqualTo("image-census-config");

    CensusConfig config = ConfigLoader.parse(configMap.get("data").get("image-census.yaml").asText(), "configmap.yaml");

    assertThat(config.warehouse()).isEqualTo("s3a://erp-census/warehouse");
    assertThat(config.registries().get(0).auth().usernameEnv()).isEqualTo("ERP_REGISTRY_USER");
    assertThat(config.registries().get(0).auth().passwordEnv()).isEqualTo("ERP_REGISTRY_PASSWORD");
    assertThat(config.crawl().maxErrorRate()).isEqualTo(0.05);
    assertThat(config.retention().snapshots()).isEqualTo(400);
  }

  private static List<String> texts(JsonNode array) {
    List<String> result = new ArrayList<>();
    array.forEach(n -> result.add(n.asText()));
    return result;
  }

  private static String after(List<String> args, String flag) {
    return args.get(args.indexOf(flag) + 1);
  }

  /** Env entries taken from a Secret, as NAME=secret:key. */
  private static List<String> secretEnv(JsonNode env) {
    List<String> result = new ArrayList<>();
    for (JsonNode entry : env) {
      JsonNode ref = entry.path("valueFrom").path("secretKeyRef");
      if (!ref.isMissingNode()) {
        result.add(entry.get("name").asText() + "=" + ref.get("name").asText() + ":" + ref.get("key").asText());
      }
    }
    return result;
  }
}
