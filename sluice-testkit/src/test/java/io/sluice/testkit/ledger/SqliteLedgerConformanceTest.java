package io.sluice.testkit.ledger;

import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The ledger conformance kit on SQLite: a new file per test, second handles open the same file. */
class SqliteLedgerConformanceTest extends LedgerConformanceKit {
    @TempDir
    Path dir;

    private final AtomicInteger files = new AtomicInteger();

    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return SqliteLedger.open(dir.resolve("ledger-" + files.incrementAndGet() + ".db"), pipeline, clock);
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return SqliteLedger.open(((SqliteLedger) existing).file(), pipeline, clock);
    }
}
