package io.sluice.spi;

/** Creates record steps from validated options. */
public interface StepFactory extends ComponentFactory {
    Step create(Object options, PipelineContext context);
}
