package io.sluice.spi;

import java.time.Instant;

/**
 * What the done splits of a pipeline add up to, as {@code sluice status} shows it.
 *
 * @param lastDone when the split done last was recorded; null when none is done
 */
public record Totals(long rowsIn, long rowsOut, long rejected, Instant lastDone) {}
