package io.imagecensus.testing;

import io.imagecensus.demo.EstateTruth;
import io.imagecensus.demo.SampleEstate;
import java.io.IOException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link TestRegistry} parameters: one registry per {@link RegistryAuth} per JVM, started
 * on first use, seeded once with the {@link SampleEstate}, and stopped when the test run ends.
 *
 * <pre>{@code
 * @ExtendWith(RegistryExtension.class)
 * class CrawlIT {
 *   @Test void crawls(TestRegistry registry) { ... }
 *   @Test void logsIn(@RegistryMode(RegistryAuth.TOKEN) TestRegistry registry) { ... }
 * }
 * }</pre>
 */
public final class RegistryExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RegistryExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestRegistry.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    RegistryAuth auth =
        parameter
            .findAnnotation(RegistryMode.class)
            .map(RegistryMode::value)
            .orElse(RegistryAuth.ANONYMOUS);
    // The root store lives as long as the test run and closes AutoCloseable values at its end.
    SeededRegistry seeded =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(auth, RegistryExtension::startAndSeed, SeededRegistry.class);
    return seeded.registry();
  }

  private static SeededRegistry startAndSeed(RegistryAuth auth) {
    RegistryProcess process;
    try {
      process = RegistryProcess.start(auth);
    } catch (IOException e) {
      throw new ParameterResolutionException(
          "Tried to start a " + auth + " test registry but failed: " + e.getMessage(), e);
    }
    try {
      EstateTruth truth = SampleEstate.push(process.baseUrl(), process.credentials());
      return new SeededRegistry(process, new TestRegistry(process, truth));
    } catch (IOException | RuntimeException e) {
      process.close();
      throw new ParameterResolutionException(
          "Tried to seed the "
              + auth
              + " test registry with the sample estate but failed: "
              + e.getMessage()
              + "; registry log: "
              + process.logFile(),
          e);
    }
  }

  /** The store's value: closing it stops the registry. */
  private record SeededRegistry(RegistryProcess process, TestRegistry registry)
      implements AutoCloseable {
    @Override
    public void close() {
      process.close();
    }
  }
}
