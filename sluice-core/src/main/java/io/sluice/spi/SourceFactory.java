package io.sluice.spi;

/** Creates sources from validated options. */
public interface SourceFactory<O> extends ComponentFactory<O> {
    Source create(O options, PipelineContext context);
}
