package io.imagecensus.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void readsTagDigestAndBoth() {
    assertThat(ImageReference.parse("127.0.0.1:5000/erp/api-server:2026.10.0", "REF_A"))
        .isEqualTo(new ImageReference("127.0.0.1:5000", "erp/api-server", "2026.10.0", null));
    ImageReference byDigest = ImageReference.parse("Registry.ERP.example/erp/api-server@" + DIGEST, "REF_A");
    assertThat(byDigest).isEqualTo(new ImageReference("registry.erp.example", "erp/api-server", null, DIGEST));
    assertThat(byDigest.reference()).isEqualTo(DIGEST);
    ImageReference both = ImageReference.parse("localhost/erp/redis:7.2@" + DIGEST, "REF_B");
    assertThat(both.reference()).isEqualTo(DIGEST);
    assertThat(both.toString()).isEqualTo("localhost/erp/redis:7.2@" + DIGEST);
  }

  @Test
  void withoutTagOrDigestMeansLatest() {
    ImageReference latest = ImageReference.parse("localhost:5000/erp/flower", "REF_A");
    assertThat(latest.tag()).isEqualTo("latest");
    assertThat(latest.name()).isEqualTo("erp/flower:latest");
  }

  @Test
  void rejectsUpperCaseRepositories() {
    assertThatThrownBy(() -> ImageReference.parse("localhost:5000/ERP/api:1", "REF_A"))
        .hasMessage("REF_A 'localhost:5000/ERP/api:1' has a bad repository 'ERP/api' (lower-case path such as erp/api-server);"
            + " write it as host:port/repository:tag, e.g. 127.0.0.1:5000/erp/api-server:2026.10.0");
  }
}
