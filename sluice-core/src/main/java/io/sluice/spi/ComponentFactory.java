package io.sluice.spi;

import io.sluice.config.Type;

/**
 * A plugin's entry point, found with {@link java.util.ServiceLoader}. Its options are declared once in
 * {@link #options()}: validation and the reference docs both come from that declaration.
 */
public interface ComponentFactory {
    /** The key that selects this component in a pipeline, e.g. {@code files} or {@code sql}. */
    String kind();

    /** The declared options of the component (a block, or a scalar for shorthand components like {@code sql}). */
    Type options();

    /** One paragraph for the reference docs. */
    String description();
}
