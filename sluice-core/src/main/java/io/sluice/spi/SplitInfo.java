package io.sluice.spi;

import java.time.Instant;

/**
 * A split as {@code sluice status} shows it. Nullable fields are absent for states that have none.
 *
 * @param token           the fencing token of the split's current or last claim; 0 before its first
 * @param rowsIn          rows read, once done (else 0)
 * @param rowsOut         rows written, once done (else 0)
 * @param rejected        bad records, once done (else 0)
 * @param pipelineVersion the {@link Completion#pipelineVersion} that made it, once done (else null; "" for a split
 *                        done before versions were recorded)
 */
public record SplitInfo(
        String id,
        SplitState state,
        int attempts,
        String lastError,
        String owner,
        long token,
        Instant leaseUntil,
        Instant nextRetry,
        long bytes,
        int members,
        long rowsIn,
        long rowsOut,
        long rejected,
        String pipelineVersion,
        Instant updated) {}
