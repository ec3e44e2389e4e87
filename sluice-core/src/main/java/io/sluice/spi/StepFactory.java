package io.sluice.spi;

/** Creates record steps from validated options. */
public interface StepFactory<O> extends ComponentFactory<O> {
    /** @throws IllegalArgumentException when the options cannot make a step: its message is shown at the step's line */
    Step create(O options, PipelineContext context);

    /**
     * True when the step reads each input file whole, as bytes ({@link FileStep}): the source then hands every file
     * as it is, one split per file unless told to pack, never cut into byte ranges nor skipped for an unknown format.
     */
    default boolean readsWholeFiles() {
        return false;
    }
}
