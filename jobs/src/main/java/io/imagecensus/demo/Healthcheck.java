package io.imagecensus.demo;

import java.time.Duration;
import java.util.List;

/** An image config's HEALTHCHECK. */
record Healthcheck(List<String> test, Duration interval, Duration timeout, int retries) {

  Healthcheck {
    test = List.copyOf(test);
    if (test.isEmpty() || !(test.get(0).equals("CMD") || test.get(0).equals("CMD-SHELL"))) {
      throw new IllegalArgumentException(
          "Healthcheck test must start with CMD or CMD-SHELL: " + test);
    }
    if (retries < 1) {
      throw new IllegalArgumentException("Healthcheck retries must be positive but was " + retries);
    }
  }
}
