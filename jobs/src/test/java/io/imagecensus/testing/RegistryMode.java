package io.imagecensus.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Picks which shared registry a {@link TestRegistry} parameter gets; without it, anonymous. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface RegistryMode {
  RegistryAuth value();
}
