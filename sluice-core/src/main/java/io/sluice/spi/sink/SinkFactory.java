package io.sluice.spi.sink;

import io.sluice.spi.ComponentFactory;
import io.sluice.spi.PipelineContext;

/** Creates sinks from validated options. */
public interface SinkFactory extends ComponentFactory {
    Sink create(Object options, PipelineContext context);
}
