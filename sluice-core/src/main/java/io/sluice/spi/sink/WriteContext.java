package io.sluice.spi.sink;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a writer of one split may use.
 *
 * @param scratch an empty folder of this split's attempt, for local files the rows pass through before the commit
 *                (a staging CSV, a Parquet file to load); under the engine's spill path, not the JVM's temp folder, so
 *                that what a killed process left is found and removed. The framework removes it after the writer is
 *                closed
 */
public record WriteContext(Path scratch) {
    public WriteContext {
        Objects.requireNonNull(scratch, "scratch");
    }
}
