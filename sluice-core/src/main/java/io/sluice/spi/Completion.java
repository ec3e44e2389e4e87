package io.sluice.spi;

import java.util.List;
import java.util.Objects;

/**
 * What a committed split produced, recorded with its {@code done} state.
 *
 * @param pipelineVersion the fingerprint of the parts of the pipeline that shape a split's output (steps, sink
 *                        format and partitioning), as the runner computes it; {@link Ledger#doneByVersion} counts
 *                        by it and {@link Ledger#requeueOutdated} sends the splits of other versions back
 */
public record Completion(long rowsIn, long rowsOut, long rejected, List<String> outputs, String pipelineVersion) {
    public Completion {
        outputs = List.copyOf(outputs);
        Objects.requireNonNull(pipelineVersion, "pipelineVersion");
        if (rowsIn < 0 || rowsOut < 0 || rejected < 0) throw new IllegalArgumentException("row counts must be >= 0");
    }
}
