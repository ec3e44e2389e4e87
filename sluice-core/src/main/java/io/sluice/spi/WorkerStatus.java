package io.sluice.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A worker as the ledger sees it: what it announced, when it last did, what it holds now.
 *
 * @param lastSeen the ledger's time of the worker's last announcement
 * @param held ids of the live claims (lease not expired) whose owner is this worker, oldest first
 * @param leader true while the worker holds the pipeline's leader lease ({@link Ledger#lead})
 */
public record WorkerStatus(WorkerInfo worker, Instant lastSeen, List<String> held, boolean leader) {
    public WorkerStatus {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(lastSeen, "lastSeen");
        held = List.copyOf(held);
    }
}
