package io.sluice.ledger.dynamodb;

import io.sluice.spi.Ledger;
import io.sluice.testkit.ledger.LedgerConformanceKit;
import java.time.Clock;

/** The ledger conformance kit on DynamoDB Local: a new table per test, second handles get their own client. */
class DynamoDbLedgerConformanceTest extends LedgerConformanceKit {
    @Override
    protected Ledger openLedger(String pipeline, Clock clock) {
        return DynamoDbLedger.open(TestDynamo.freshTable(), pipeline, clock, TestDynamo.CREDENTIALS);
    }

    @Override
    protected Ledger reopen(Ledger existing, String pipeline, Clock clock) {
        return DynamoDbLedger.open(((DynamoDbLedger) existing).config(), pipeline, clock, TestDynamo.CREDENTIALS);
    }
}
