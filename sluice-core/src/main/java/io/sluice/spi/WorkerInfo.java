package io.sluice.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * What a worker process says about itself when it announces itself to the ledger ({@link Ledger#announce}).
 *
 * @param id the worker's id, also the {@code owner} of every claim it takes
 * @param threads splits it processes at the same time
 */
public record WorkerInfo(String id, String host, long pid, Instant started, int threads) {
    public WorkerInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(started, "started");
        if (id.isBlank()) throw new IllegalArgumentException("worker id must not be blank");
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1");
    }
}
