package io.imagecensus.crawl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagecensus.config.AuthSettings;
import io.imagecensus.config.CrawlSettings;
import io.imagecensus.config.RegistrySettings;
import io.imagecensus.demo.EstateImage;
import io.imagecensus.demo.EstateTag;
import io.imagecensus.testing.RegistryAuth;
import io.imagecensus.testing.RegistryExtension;
import io.imagecensus.testing.RegistryMode;
import io.imagecensus.testing.RegistryProcess;
import io.imagecensus.testing.TestRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry client against real registries with htpasswd Basic auth and with token auth. */
@ExtendWith(RegistryExtension.class)
class AuthenticationTest {
  private static final CrawlSettings SETTINGS =
      new CrawlSettings(2, Duration.ofSeconds(10), 1, 100, 4, CrawlSettings.LayerSizeFallback.NONE);
  private static final AuthSettings FROM_ENV = new AuthSettings("ERP_USER", "ERP_PASSWORD", false);

  private static RegistryClient client(TestRegistry registry, AuthSettings auth, Optional<Credentials> credentials) {
    RegistrySettings settings = new RegistrySettings("erp", URI.create(registry.baseUrl()), true, auth);
    return new RegistryClient(settings, SETTINGS, credentials, RequestCounter.NONE);
  }

  private static Optional<Credentials> valid() {
    return Optional.of(new Credentials(RegistryProcess.USER, RegistryProcess.PASSWORD));
  }

  private static void readsTheEstate(TestRegistry registry, RegistryClient client) {
    assertThat(new CatalogPager(client, 100).list()).containsExactlyElementsOf(registry.truth().repositories());
    assertThat(new TagPager(client, 100).list("erp/api-server"))
        .containsExactlyInAnyOrderElementsOf(registry.truth().tagNames("erp/api-server"));
    EstateTag tag = registry.truth().tag("erp/api-server", "2026.01.0");
    ManifestFetcher manifests = new ManifestFetcher(client);
    assertThat(manifests.head("erp/api-server", "2026.01.0").digest()).isEqualTo(tag.digest());
    assertThat(manifests.fetch("erp/api-server", tag.digest(), tag.digest()).mediaType()).isEqualTo(tag.mediaType());
    EstateImage image = registry.truth().image("erp/api-server", "2026.01.0");
    byte[] config = new BlobFetcher(client).fetch("erp/api-server", image.configDigest(), -1);
    assertThat(io.imagecensus.model.Digest.sha256(config)).isEqualTo(image.configDigest());
  }

  @Test
  void basicAuthReadsCatalogTagsManifestsAndBlobs(@RegistryMode(RegistryAuth.BASIC) TestRegistry registry) {
    readsTheEstate(registry, client(registry, FROM_ENV, valid()));
  }

  @Test
  void tokenAuthReadsEverythingWithOneTokenPerScope(@RegistryMode(RegistryAuth.TOKEN) TestRegistry registry) {
    int before = registry.tokenIssuer().orElseThrow().issuedTokens();
    readsTheEstate(registry, client(registry, FROM_ENV, valid()));
    // One token for registry:catalog:*, one for repository:erp/api-server:pull, reused for every request.
    assertThat(registry.tokenIssuer().orElseThrow().issuedTokens() - before).isLessThanOrEqualTo(2);
  }

  @Test
  void withoutCredentialsTheErrorSaysWhatToSet(@RegistryMode(RegistryAuth.BASIC) TestRegistry registry) {
    assertThatThrownBy(() -> new TagPager(client(registry, AuthSettings.ANONYMOUS, Optional.empty()), 100).list("erp/api-server"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401))
        .hasMessage("Tried to list tags of erp/api-server on registry 'erp' but failed because: the registry answered 401;"
            + " the registry needs credentials: set auth.username-env/password-env for registry 'erp'");
  }

  @Test
  void aWrongPasswordNamesTheVariablesAndNeverThePassword(@RegistryMode(RegistryAuth.TOKEN) TestRegistry registry) {
    Optional<Credentials> wrong = Optional.of(new Credentials(RegistryProcess.USER, "not-the-password-4711"));
    assertThatThrownBy(() -> new TagPager(client(registry, FROM_ENV, wrong), 100).list("erp/flower"))
        .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401))
        .hasMessage("Tried to list tags of erp/flower on registry 'erp' but failed because: the token service answered 401;"
            + " check ERP_USER/ERP_PASSWORD")
        .message().doesNotContain("not-the-password-4711");
  }
}
