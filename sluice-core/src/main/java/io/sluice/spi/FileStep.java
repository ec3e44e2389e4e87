package io.sluice.spi;

import java.nio.file.Path;
import java.util.List;

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
     * Ends at once, without waiting, what the step runs outside this process now (an exec step's commands and what
     * they started): called when the process quits with splits in flight (a second Ctrl-C or SIGTERM), which would
     * otherwise leave them running, and writing, beside the attempt that replays their split. Each {@link #run} under
     * way then fails.
     */
    default void stopNow() {}

    /**
     * Fails, with a {@link io.sluice.config.ConfigException} at the option, when this process cannot run the step
     * itself (it names a container image, which only a Kubernetes Job runs): called before any split is claimed.
     */
    default void checkRunsHere() {}

    /**
     * The step wrote {@code names} beside its output folder ({@code {output_dir}/../x}, a {@code {output_dir}.tmp}):
     * only files under that folder are output, and another attempt writes the same, so the split is not retried.
     */
    static AttemptFailure writtenBeside(List<String> names, String splitId) {
        return new AttemptFailure(
                "the step wrote " + String.join(", ", names.subList(0, Math.min(5, names.size())))
                        + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "") + " for split "
                        + splitId + " outside its output folder ({output_dir}, SLUICE_OUTPUT_DIR), beside "
                        + "it: only files under that folder are output; write every file there (temp files "
                        + "under the system's temp folder), then run the split again with `sluice retry`",
                false);
    }

    /**
     * The container image that runs this step, when it names one: a Kubernetes Job runs it in an init container of the
     * split's pod, and the pod's Sluice takes what it wrote as the step's output. Empty for a step this process runs.
     */
    default java.util.Optional<Container> container() {
        return java.util.Optional.empty();
    }

    /**
     * A step's container: its image, and the command (empty: the image's own entry point) and environment, each
     * with {@code {placeholders}} for {@link #fill}.
     *
     * @param secretEnv variables the container gets from a Kubernetes Secret's key, by reference: the Job names the
     *                  Secret and the key, never the value
     */
    record Container(
            String image,
            java.util.List<String> command,
            java.util.Map<String, String> env,
            java.util.Map<String, SecretKey> secretEnv) {
        /** {@code {input}}, {@code {output_dir}}, {@code {split}} or {@code {key}}. */
        public static final java.util.regex.Pattern PLACEHOLDER =
                java.util.regex.Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

        public Container {
            command = java.util.List.copyOf(command);
            env = java.util.Map.copyOf(env);
            secretEnv = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(secretEnv));
        }

        /** A key of a Kubernetes Secret of the Job's namespace. */
        public record SecretKey(String secret, String key) {}

        /**
         * The output folder ({@code {output_dir}}) inside an input's {@link #resultFolder}: the container gets the
         * result folder too, so that what it writes beside its output lands in the volume, where the pod's Sluice
         * sees it and fails the split, as a local run does.
         */
        public static final String OUTPUT = "output";

        /**
         * The folder, under the pod's results volume, where the container run on one input writes its output: the
         * Job's controller names it when it creates the pod, and the pod's Sluice finds it again by the same name.
         */
        public static String resultFolder(String key) {
            try {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                        .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                return "input-" + java.util.HexFormat.of().formatHex(d, 0, 8);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * The placeholders of {@code text} replaced by their values, in one pass: a value that holds a placeholder's
         * text (an input named {@code a{key}.txt}) is not filled again.
         */
        public static String fill(String text, java.util.Map<String, String> values) {
            return PLACEHOLDER
                    .matcher(text)
                    .replaceAll(
                            m -> java.util.regex.Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
        }
    }

    /** Never called: a file step's output is files, which no query describes. */
    @Override
    default String apply(String input) {
        throw new UnsupportedOperationException("a file step writes files, not rows: it has no query");
    }
}
