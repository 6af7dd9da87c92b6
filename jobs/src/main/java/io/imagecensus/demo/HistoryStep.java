package io.imagecensus.demo;

import java.time.Instant;

/** One build step in an image config's history; {@code layer} is null for an empty_layer step. */
record HistoryStep(Instant created, String createdBy, LayerTar layer, String comment) {

  HistoryStep {
    if (created == null) {
      throw new IllegalArgumentException("History step has no time: " + createdBy);
    }
    Truths.requireText("created_by", createdBy);
  }

  boolean emptyLayer() {
    return layer == null;
  }
}
