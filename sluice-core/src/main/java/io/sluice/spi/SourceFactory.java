package io.sluice.spi;

/** Creates sources from validated options. */
public interface SourceFactory extends ComponentFactory {
    Source create(Object options, PipelineContext context);
}
