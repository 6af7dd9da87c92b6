package io.imagecensus.compare;

import io.imagecensus.config.BaseImageSettings;
import io.imagecensus.crawl.RegistryException;
import io.imagecensus.crawl.TagPager;
import io.imagecensus.model.ManifestDocument;
import io.imagecensus.model.Platform;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Names the base of a compared image without Spark, by the first two rules of the census's
 * base-image matcher: the manifest's base annotations, then the configuration's base-image
 * catalogue by diff_id prefix. Layers are compared by diff_id, so a recompressed base layer still
 * counts as base.
 */
final class BaseFinder {
  /** A catalogue image: the tag that names it, its platform image digest, family and diff_ids. */
  record CatalogueImage(String name, String digest, String family, List<String> diffIds) {}

  private final Registries registries;
  private final List<BaseImageSettings> catalogue;
  private final List<String> warnings;
  private final Map<Platform, List<CatalogueImage>> catalogueImages = new HashMap<>();

  BaseFinder(Registries registries, List<BaseImageSettings> catalogue, List<String> warnings) {
    this.registries = registries;
    this.catalogue = catalogue;
    this.warnings = warnings;
  }

  /** The image's base by annotation or catalogue, if either rule finds one. */
  Optional<Base> find(ComparedImage image) {
    String digest = image.annotations().get(ManifestDocument.BASE_DIGEST_ANNOTATION);
    if (digest != null) {
      Optional<Base> annotated = byAnnotation(image, image.annotations().getOrDefault(ManifestDocument.BASE_NAME_ANNOTATION, ""), digest);
      if (annotated.isPresent()) {
        return annotated;
      }
    }
    return byCatalogue(image);
  }

  /**
   * The annotated base is looked up by digest in the image's own registry, under the repository
   * its name gives: pipelines annotate with the registry's public name, which need not be the
   * address the comparison uses.
   */
  private Optional<Base> byAnnotation(ComparedImage image, String name, String digest) {
    String repository = repositoryOf(name);
    if (repository.isEmpty()) {
      warnings.add("the base annotation of " + image.reference().name() + " names no repository ('" + name + "')");
      return Optional.empty();
    }
    List<String> baseDiffIds;
    try {
      baseDiffIds = registries.forHost(image.reference().host())
          .resolve(repository, digest, digest, image.platform()).config().diffIds();
    } catch (RegistryException | CompareException e) {
      warnings.add("the base " + name + " named by the annotations of " + image.reference().name()
          + " could not be read, so the catalogue was tried: " + e.getMessage());
      return Optional.empty();
    }
    String family = catalogue(image.platform()).stream().filter(c -> c.digest().equals(digest))
        .map(CatalogueImage::family).findFirst().orElse(familyFromName(repository));
    return Optional.of(new Base(Base.Rule.ANNOTATION, name, digest, family, sharedPrefix(image.diffIds(), baseDiffIds)));
  }

  /** The longest catalogue image whose diff_ids begin this image's; ties go to the first listed. */
  private Optional<Base> byCatalogue(ComparedImage image) {
    CatalogueImage best = null;
    List<String> diffIds = image.diffIds();
    for (CatalogueImage candidate : catalogue(image.platform())) {
      boolean prefix = candidate.diffIds().size() <= diffIds.size()
          && sharedPrefix(diffIds, candidate.diffIds()) == candidate.diffIds().size();
      if (prefix && (best == null || candidate.diffIds().size() > best.diffIds().size())) {
        best = candidate;
      }
    }
    return Optional.ofNullable(best).map(b ->
        new Base(Base.Rule.CATALOGUE, b.name(), b.digest(), b.family(), b.diffIds().size()));
  }

  /** Every catalogue tag's image for this platform, read once per comparison. */
  private List<CatalogueImage> catalogue(Platform platform) {
    return catalogueImages.computeIfAbsent(platform, p -> {
      List<CatalogueImage> images = new ArrayList<>();
      for (BaseImageSettings entry : catalogue) {
        try {
          ImageReader reader = registries.forName(entry.registry());
          Pattern tags = Pattern.compile(entry.tagRegex());
          List<String> names = new TagPager(reader.client(), registries.crawl().pageSize()).list(entry.repository());
          for (String tag : names.stream().filter(tags.asMatchPredicate()).sorted().toList()) {
            ImageReader.Resolved resolved = reader.resolve(entry.repository(), tag, null, p);
            images.add(new CatalogueImage(entry.repository() + ":" + tag, resolved.digest(), entry.family(),
                resolved.config().diffIds()));
          }
        } catch (RegistryException | CompareException e) {
          warnings.add("base catalogue entry " + entry.repository() + " " + entry.tags() + " was skipped: " + e.getMessage());
        }
      }
      return images;
    });
  }

  /** How many leading entries the two lists share. */
  static int sharedPrefix(List<String> a, List<String> b) {
    int n = 0;
    while (n < a.size() && n < b.size() && a.get(n) != null && a.get(n).equals(b.get(n))) {
      n++;
    }
    return n;
  }

  /**
   * The repository of an image name: without digest, tag and a leading registry host (a first
   * component with a dot or a port, or localhost), as Docker reads names.
   */
  static String repositoryOf(String name) {
    String rest = name.contains("@") ? name.substring(0, name.indexOf('@')) : name;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        rest = rest.substring(slash + 1);
      }
    }
    int colon = rest.lastIndexOf(':');
    return colon > rest.lastIndexOf('/') ? rest.substring(0, colon) : rest;
  }

  /** The family a base's name suggests, when the catalogue does not know its digest. */
  static String familyFromName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String family : List.of("distroless", "alpine", "slim", "scratch")) {
      if (lower.contains(family)) {
        return family;
      }
    }
    return "full";
  }
}
