package io.imagecensus.config;

import java.io.Serializable;

/**
 * Where a registry's credentials come from: two environment variables, or the Docker config
 * ({@code ~/.docker/config.json} and its credential helpers); none means anonymous.
 */
public record AuthSettings(String usernameEnv, String passwordEnv, boolean dockerConfig)
    implements Serializable {

  public static final AuthSettings ANONYMOUS = new AuthSettings(null, null, false);
}
