package io.sluice.ledger.dynamodb;

import io.sluice.spi.Ledger;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The ledger conformance kit on DynamoDB Local: a new table per test, second handles get their own client, and a
 * registration can be cut short before any of its transactions.
 */
class DynamoDbLedgerConformanceTest extends LedgerConformanceKit {
    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return DynamoDbLedger.open(TestDynamo.freshTable(), pipeline, clock, TestDynamo.CREDENTIALS);
    }

    /** Dies before its {@code step}th transaction, as {@link InterruptedRegistrationTest} does. */
    @Override
    protected Ledger dyingBefore(Ledger existing, int step, String pipeline, Clock clock) {
        return InterruptedRegistrationTest.dyingBefore(
                ((DynamoDbLedger) existing).config(), step, pipeline, clock, new AtomicBoolean());
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return DynamoDbLedger.open(((DynamoDbLedger) existing).config(), pipeline, clock, TestDynamo.CREDENTIALS);
    }
}
