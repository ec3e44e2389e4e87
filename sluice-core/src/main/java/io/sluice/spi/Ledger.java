package io.sluice.spi;

import io.sluice.spi.ledger.Claims;
import io.sluice.spi.ledger.LedgerAdmin;
import io.sluice.spi.ledger.OutputLocks;
import io.sluice.spi.ledger.PlanStore;
import io.sluice.spi.ledger.WorkerPool;

/**
 * The durable record of every split of one pipeline, with all its roles: {@link PlanStore}, {@link Claims},
 * {@link OutputLocks}, {@link WorkerPool} and {@link LedgerAdmin}. A backend implements this; the engine's parts take
 * the one role they need. Implementations must be safe for many threads and, where the backend is shared (a file, a
 * server), for many processes: every method is atomic on its own.
 *
 * <p>The exactly-once contract rests here: a split is granted to one holder at a time (claim with lease and
 * fencing token), a stale holder cannot complete it, and {@code done} is recorded only by {@link #complete}.
 */
public interface Ledger extends PlanStore, Claims, OutputLocks, WorkerPool, LedgerAdmin, AutoCloseable {

    @Override
    void close();
}
