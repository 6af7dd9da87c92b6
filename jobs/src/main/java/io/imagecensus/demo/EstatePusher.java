package io.imagecensus.demo;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.io.IOException;
import java.net.URI;
import java.security.DigestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes estate content: blobs with jib-core's registry client (existence check, cross-repository
 * mount, upload), manifests as raw bytes with {@link ManifestUploader}.
 */
final class EstatePusher implements AutoCloseable {

  /** What a push did, for the seeding summary. */
  record PushReport(int blobsUploaded, int blobsMounted, int blobsPresent, int manifestsPut) {}

  private final URI baseUrl;
  private final String registry;
  private final Optional<PushCredentials> credentials;
  private final FailoverHttpClient jibHttp;
  private final ManifestUploader manifests;
  private final Map<String, RegistryClient> clients = new HashMap<>();
  // Four connections keep a loopback registry busy on two cores without queueing much.
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final AtomicInteger blobsUploaded = new AtomicInteger();
  private final AtomicInteger blobsMounted = new AtomicInteger();
  private final AtomicInteger blobsPresent = new AtomicInteger();

  EstatePusher(URI baseUrl, Optional<PushCredentials> credentials) {
    if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
      throw new IllegalArgumentException(
          "Registry URL must be http:// or https:// but was " + baseUrl);
    }
    this.baseUrl = baseUrl;
    this.registry = baseUrl.getAuthority();
    this.credentials = credentials;
    boolean plainHttp = "http".equals(baseUrl.getScheme());
    // jib tries HTTPS first and falls back to HTTP only when allowed; a plain-HTTP test registry
    // also needs credentials sent over HTTP. Its log events are dropped: this is a fixture.
    this.jibHttp = new FailoverHttpClient(plainHttp, plainHttp, event -> {});
    this.manifests = new ManifestUploader(baseUrl, credentials);
  }

  PushReport push(List<EstateContent.RepositoryContent> repositories) throws IOException {
    // Each blob first goes to the first repository that uses it; the other repositories then
    // mount it from there, as registries expect from a client that copies images between them.
    Map<String, String> firstRepositoryByBlob = new LinkedHashMap<>();
    List<Callable<Void>> uploads = new ArrayList<>();
    List<Callable<Void>> mounts = new ArrayList<>();
    for (EstateContent.RepositoryContent repository : repositories) {
      for (RawBlob blob : repository.blobsByDigest().values()) {
        String first = firstRepositoryByBlob.putIfAbsent(blob.digest(), repository.repository());
        if (first == null) {
          uploads.add(() -> pushBlob(repository.repository(), blob, null));
        } else {
          mounts.add(() -> pushBlob(repository.repository(), blob, first));
        }
      }
    }
    runAll(uploads);
    runAll(mounts);
    // Manifests go in order within a repository (children before their index); repositories
    // do not reference each other's manifests, so they go in parallel.
    List<Callable<Void>> manifestPushes = new ArrayList<>();
    for (EstateContent.RepositoryContent repository : repositories) {
      manifestPushes.add(
          () -> {
            for (EstateContent.ManifestUpload upload : repository.uploads()) {
              manifests.put(repository.repository(), upload.reference(), upload.manifest());
            }
            return null;
          });
    }
    runAll(manifestPushes);
    return new PushReport(
        blobsUploaded.get(), blobsMounted.get(), blobsPresent.get(), manifests.manifestsPut());
  }

  private void runAll(List<Callable<Void>> tasks) throws IOException {
    List<Future<Void>> futures;
    try {
      futures = executor.invokeAll(tasks);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while pushing the sample estate to " + baseUrl, e);
    }
    for (Future<Void> future : futures) {
      try {
        future.get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof IOException io) {
          throw io;
        }
        throw new IOException(
            "Tried to push the sample estate to " + baseUrl + " but failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while pushing the sample estate to " + baseUrl, e);
      }
    }
  }

  private Void pushBlob(String repository, RawBlob blob, String mountSource) throws IOException {
    try {
      DescriptorDigest digest = DescriptorDigest.fromDigest(blob.digest());
      RegistryClient client = client(repository, mountSource);
      if (client.checkBlob(digest).isPresent()) {
        blobsPresent.incrementAndGet();
        return null;
      }
      // With a source repository jib first asks the registry to mount the blob from there.
      boolean mounted =
          client.pushBlob(
              digest, Blobs.from(out -> out.write(blob.bytes()), true), mountSource, written -> {});
      if (mounted) {
        blobsMounted.incrementAndGet();
      } else {
        blobsUploaded.incrementAndGet();
      }
      return null;
    } catch (RegistryException | DigestException | IOException e) {
      throw new IOException(
          "Tried to push blob "
              + blob.digest()
              + " to "
              + repository
              + " on "
              + baseUrl
              + " but failed because: "
              + e.getMessage(),
          e);
    }
  }

  private synchronized RegistryClient client(String repository, String sourceRepository)
      throws IOException, RegistryException {
    String key = repository + " <- " + sourceRepository;
    RegistryClient client = clients.get(key);
    if (client == null) {
      RegistryClient.Factory factory =
          sourceRepository == null
              ? RegistryClient.factory(EventHandlers.NONE, registry, repository, jibHttp)
              : RegistryClient.factory(
                  EventHandlers.NONE, registry, repository, sourceRepository, jibHttp);
      if (credentials.isPresent()) {
        factory.setCredential(
            Credential.from(credentials.get().username(), credentials.get().password()));
      }
      client = factory.newRegistryClient();
      // A token registry gets a push token (with pull on the mount source); others get Basic.
      if (credentials.isPresent() && !client.doPushBearerAuth()) {
        client.configureBasicAuth();
      }
      clients.put(key, client);
    }
    return client;
  }

  @Override
  public void close() throws IOException {
    executor.shutdownNow();
    jibHttp.shutDown();
  }
}
