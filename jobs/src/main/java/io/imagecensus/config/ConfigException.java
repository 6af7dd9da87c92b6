package io.imagecensus.config;

/** A configuration that cannot be used; the message is one line naming the key and the fix. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
