package io.sluice.sinks.iceberg;

import io.sluice.spi.Digests;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a data file's name says of its rows, so that they are found when the snapshot that added them is gone (expired
 * by Iceberg's {@code expire_snapshots}, with the summary that named the split and the input's version): the pipeline,
 * the split and, when the split stands for a version of an input, that input, the version and the byte range, each
 * hashed: {@code <pipeline>-<split>[-<input>-<version>-<start>_<end>]-<attempt>-<i>.parquet}. The names an earlier
 * Sluice gave ({@code <split>-<attempt>-<i>.parquet}) say none of it: those files are found through their snapshots
 * only.
 *
 * @param pipeline the pipeline's hash
 * @param split    the split id's hash
 * @param output   the split's output key with the key and version hashed; null when the split has none
 */
record DataFileName(String pipeline, String split, OutputKey output) {
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{12})-([0-9a-f]{20})"
            + "(?:-([0-9a-f]{20})-([0-9a-f]{16})-(\\d+)_(-1|\\d+))?"
            + "-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\\d+\\.parquet");

    /** The name's fields for a split of a pipeline. */
    static DataFileName of(String pipeline, Split split) {
        OutputKey k = split.outputKey();
        return new DataFileName(
                pipelineHash(pipeline),
                Digests.sha256Hex(split.id(), 20),
                k == null
                        ? null
                        : new OutputKey(
                                Digests.sha256Hex(k.key(), 20),
                                Digests.sha256Hex(k.version(), 16),
                                k.start(),
                                k.end()));
    }

    /** The pipeline as names hold it. */
    static String pipelineHash(String pipeline) {
        return Digests.sha256Hex(pipeline, 12);
    }

    /** The name of an attempt's {@code i}th file ({@code attempt}: a UUID). */
    String file(String attempt, int i) {
        String out = output == null
                ? ""
                : "-" + output.key() + "-" + output.version() + "-" + output.start() + "_" + output.end();
        return pipeline + "-" + split + out + "-" + attempt + "-" + i + ".parquet";
    }

    /** What a data file's location says, when its name is one this sink gives. */
    static Optional<DataFileName> parse(String location) {
        Matcher m = NAME.matcher(location.substring(location.lastIndexOf('/') + 1));
        if (!m.matches()) return Optional.empty();
        OutputKey output = m.group(3) == null
                ? null
                : new OutputKey(m.group(3), m.group(4), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)));
        return Optional.of(new DataFileName(m.group(1), m.group(2), output));
    }

    /** Whether the file holds rows of {@code other}'s split (of the same pipeline). */
    boolean sameSplit(DataFileName other) {
        return pipeline.equals(other.pipeline) && split.equals(other.split);
    }

    /**
     * Whether {@code other}'s commit replaces the file's rows: of the same pipeline and input, and not a range of the
     * same version beside it.
     */
    boolean replacedBy(DataFileName other) {
        return pipeline.equals(other.pipeline)
                && output != null
                && other.output != null
                && output.key().equals(other.output.key())
                && !output.sibling(other.output);
    }
}
