package io.sluice.spi;

/** Creates record steps from validated options. */
public interface StepFactory<O> extends ComponentFactory<O> {
    Step create(O options, PipelineContext context);
}
