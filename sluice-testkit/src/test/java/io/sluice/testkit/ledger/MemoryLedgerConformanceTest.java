package io.sluice.testkit.ledger;

import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.spi.Ledger;
import java.time.Clock;

/**
 * The ledger conformance kit on the memory ledger: a new store per test; second handles share the store, as threads
 * of one process do (the memory ledger has no second process to offer).
 */
class MemoryLedgerConformanceTest extends LedgerConformanceKit {
    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return MemoryLedger.open(pipeline, clock);
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return ((MemoryLedger) existing).reopen(pipeline, clock);
    }
}
