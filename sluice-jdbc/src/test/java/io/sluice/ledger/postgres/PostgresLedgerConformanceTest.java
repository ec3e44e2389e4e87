package io.sluice.ledger.postgres;

import io.sluice.spi.Ledger;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import java.time.Clock;

/** The ledger conformance kit on PostgreSQL: a new schema per test, second handles get their own pool. */
class PostgresLedgerConformanceTest extends LedgerConformanceKit {
    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return PostgresLedger.open(TestPostgres.freshSchema(), pipeline, clock);
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return PostgresLedger.open(((PostgresLedger) existing).config(), pipeline, clock);
    }
}
