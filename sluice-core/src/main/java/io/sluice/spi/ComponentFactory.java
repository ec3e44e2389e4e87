package io.sluice.spi;

import io.sluice.config.Type;

/**
 * A plugin's entry point, found with {@link java.util.ServiceLoader}. Its options are declared once in
 * {@link #options()}: validation, defaults and the reference docs all come from that declaration, and the factory
 * gets the validated value as an {@code O} (an {@link io.sluice.config.Options} block read with its declared
 * fields, or a scalar for a shorthand component like {@code sql}).
 *
 * @param <O> the Java type of the validated options
 */
public interface ComponentFactory<O> {
    /** The key that selects this component in a pipeline, e.g. {@code files} or {@code sql}. */
    String kind();

    /** The declared options of the component (a block, or a scalar for shorthand components like {@code sql}). */
    Type<O> options();

    /** One paragraph for the reference docs. */
    String description();
}
