package io.sluice.spi.source;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.PipelineContext;

/** Creates sources from validated options. */
public interface SourceFactory extends ComponentFactory {
    Source create(Object options, PipelineContext context);
}
