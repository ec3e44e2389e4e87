package io.sluice.spi.source;

import java.nio.file.Path;

/**
 * What a reader of one split may use.
 *
 * @param scratch an empty folder of this split's attempt, for spools and downloads; the framework removes it after
 *                the reader is closed
 */
public record ReadContext(Path scratch) {
    public ReadContext {
        java.util.Objects.requireNonNull(scratch, "scratch");
    }
}
