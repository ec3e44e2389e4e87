package io.sluice.ledger.redis;

import io.sluice.spi.Ledger;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import java.time.Clock;

/** The ledger conformance kit on Redis: a new key prefix per test, second handles get their own client. */
class RedisLedgerConformanceTest extends LedgerConformanceKit {
    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return RedisLedger.open(TestRedis.freshPrefix(), pipeline, clock);
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return RedisLedger.open(((RedisLedger) existing).config(), pipeline, clock);
    }
}
