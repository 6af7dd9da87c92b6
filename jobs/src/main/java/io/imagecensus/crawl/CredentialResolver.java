package io.imagecensus.crawl;

import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import io.imagecensus.config.AuthSettings;
import io.imagecensus.config.ConfigException;
import io.imagecensus.config.RegistrySettings;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a registry's credentials: in the environment variables the configuration names, or in
 * the Docker config and its credential helpers (through jib-core's retrievers).
 */
public final class CredentialResolver {
  private final Map<String, String> environment;

  public CredentialResolver(Map<String, String> environment) {
    this.environment = environment;
  }

  /** Returns the credentials, empty for anonymous access, or fails naming what to set. */
  public Optional<Credentials> resolve(RegistrySettings registry) {
    AuthSettings auth = registry.auth();
    if (auth.usernameEnv() != null) {
      String user = environment.get(auth.usernameEnv());
      String password = environment.get(auth.passwordEnv());
      if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
        throw new ConfigException("registry '" + registry.name() + "' needs credentials: set the environment variables "
            + auth.usernameEnv() + " and " + auth.passwordEnv());
      }
      return Optional.of(new Credentials(user, password));
    }
    if (auth.dockerConfig()) {
      return fromDockerConfig(registry);
    }
    return Optional.empty();
  }

  private static Optional<Credentials> fromDockerConfig(RegistrySettings registry) {
    try {
      ImageReference reference = ImageReference.of(registry.host(), "image-census/probe", null);
      Optional<Credential> credential = CredentialRetrieverFactory
          .forImage(reference, event -> { })
          .dockerConfig()
          .retrieve();
      return credential.map(c -> new Credentials(c.getUsername(), c.getPassword()));
    } catch (Exception e) {
      throw new ConfigException("registry '" + registry.name() + "': tried to read credentials from the Docker config but failed because: "
          + e.getMessage() + "; run docker login " + registry.host() + " or use username-env/password-env");
    }
  }
}
