package io.imagecensus.demo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Files for one sample layer. Binary content is seeded from the layer's salt and the path: half
 * random bytes and half repeated text, so that gzip shrinks it to roughly half, like real rootfs
 * layers, and two layers with different salts never share bytes by accident.
 */
final class LayerFiles {

  private final String salt;
  private final List<LayerTar.Entry> entries = new ArrayList<>();

  LayerFiles(String salt) {
    Truths.requireText("layer salt", salt);
    this.salt = salt;
  }

  LayerFiles text(String path, String content) {
    entries.add(LayerTar.Entry.text(path, content));
    return this;
  }

  LayerFiles executable(String path, int size) {
    entries.add(new LayerTar.Entry(path, binary(path, size), 0755));
    return this;
  }

  LayerFiles data(String path, int size) {
    entries.add(new LayerTar.Entry(path, binary(path, size), 0644));
    return this;
  }

  /** {@code count} data files "directory/name-i.suffix" of {@code size} bytes each. */
  LayerFiles many(String directory, String name, String suffix, int count, int size) {
    for (int i = 0; i < count; i++) {
      data(directory + "/" + name + "-" + i + suffix, size);
    }
    return this;
  }

  LayerTar build() {
    return LayerTar.of(entries);
  }

  private byte[] binary(String path, int size) {
    // String.hashCode and java.util.Random are specified by the platform: same bytes on every JVM.
    byte[] randomPart = new byte[size / 2];
    new Random((salt + "/" + path).hashCode()).nextBytes(randomPart);
    byte[] bytes = new byte[size];
    System.arraycopy(randomPart, 0, bytes, 0, randomPart.length);
    byte[] pattern = ("\0" + path + "\0" + salt + "\0").getBytes(StandardCharsets.UTF_8);
    for (int i = randomPart.length; i < size; i += pattern.length) {
      System.arraycopy(pattern, 0, bytes, i, Math.min(pattern.length, size - i));
    }
    return bytes;
  }
}
