package io.imagecensus.demo;

/** A user name and password for a registry that asks for Basic or token authentication. */
public record PushCredentials(String username, String password) {

  public PushCredentials {
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException(
          "Registry user name must not be blank but was: " + username);
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("Registry password for user " + username + " is empty");
    }
  }

  /** Hides the password, so that credentials never end up in a log. */
  @Override
  public String toString() {
    return "PushCredentials[username=" + username + ", password=***]";
  }
}
