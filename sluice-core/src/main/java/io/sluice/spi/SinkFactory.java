package io.sluice.spi;

/** Creates sinks from validated options. */
public interface SinkFactory extends ComponentFactory {
    Sink create(Object options, PipelineContext context);
}
