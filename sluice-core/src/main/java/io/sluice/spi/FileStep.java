package io.sluice.spi;

import java.nio.file.Path;

/**
 * A step that turns files into files, not records into records (the {@code exec} step): it runs once per input file
 * of a split, reading the file whole, and writes its output files under a folder. It is the pipeline's only step, and
 * its sink must take files ({@link io.sluice.spi.sink.Sink#fileOutputs}).
 */
public interface FileStep extends Step {

    /**
     * Makes the output files of one input under {@code outputDir} (empty when called). Throws, with the cause in the
     * user's words, when it fails; nothing it wrote is committed then.
     *
     * @param input     the input as a local file (the file itself, or a downloaded copy)
     * @param key       the name the user knows the input by (its path under the source)
     * @param outputDir an empty folder of this input's own
     * @param scratch   a folder for what the step keeps aside (a command's logs), never output; removed with the
     *                  attempt, even a killed one (by the split's next attempt)
     * @param splitId   the split being processed
     */
    void run(Path input, String key, Path outputDir, Path scratch, String splitId) throws Exception;

    /**
     * Fails, with a {@link io.sluice.config.ConfigException} at the option, when this process cannot run the step
     * itself (it names a container image, which only a Kubernetes Job runs): called before any split is claimed.
     */
    default void checkRunsHere() {}

    /** Never called: a file step's output is files, which no query describes. */
    @Override
    default String apply(String input) {
        throw new UnsupportedOperationException("a file step writes files, not rows: it has no query");
    }
}
