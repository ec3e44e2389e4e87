package io.sluice.spi;

/** Creates sinks from validated options. */
public interface SinkFactory<O> extends ComponentFactory<O> {
    Sink create(O options, PipelineContext context);
}
