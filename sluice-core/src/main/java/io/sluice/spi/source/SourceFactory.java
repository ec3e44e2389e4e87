package io.sluice.spi.source;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.PipelineContext;

/** Creates sources from validated options. */
public interface SourceFactory<O> extends ComponentFactory<O> {
    Source create(O options, PipelineContext context);
}
