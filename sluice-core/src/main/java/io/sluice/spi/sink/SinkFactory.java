package io.sluice.spi.sink;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.PipelineContext;

/** Creates sinks from validated options. */
public interface SinkFactory<O> extends ComponentFactory<O> {
    Sink create(O options, PipelineContext context);
}
