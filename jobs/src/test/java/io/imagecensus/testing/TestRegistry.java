package io.imagecensus.testing;

import io.imagecensus.demo.EstateTruth;
import io.imagecensus.demo.PushCredentials;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A shared, started registry seeded with the sample estate, and the estate's truth. Tests must not
 * change its content; a test that deletes or pushes starts its own {@link RegistryProcess}.
 */
public final class TestRegistry {

  private final RegistryProcess process;
  private final EstateTruth truth;

  TestRegistry(RegistryProcess process, EstateTruth truth) {
    this.process = process;
    this.truth = truth;
  }

  public RegistryAuth auth() {
    return process.auth();
  }

  /** "http://127.0.0.1:PORT". */
  public String baseUrl() {
    return process.baseUrl();
  }

  /** "127.0.0.1:PORT". */
  public String hostPort() {
    return process.hostPort();
  }

  /** What the registry holds, computed from the pushed bytes. */
  public EstateTruth truth() {
    return truth;
  }

  /** The accepted user and password; empty for the anonymous registry. */
  public Optional<PushCredentials> credentials() {
    return process.credentials();
  }

  /** The token issuer of the {@link RegistryAuth#TOKEN} registry, e.g. to count tokens. */
  public Optional<TokenIssuer> tokenIssuer() {
    return process.tokenIssuer();
  }

  public Path storageDir() {
    return process.storageDir();
  }

  public Path logFile() {
    return process.logFile();
  }

  @Override
  public String toString() {
    return "TestRegistry[" + auth() + " at " + baseUrl() + "]";
  }
}
