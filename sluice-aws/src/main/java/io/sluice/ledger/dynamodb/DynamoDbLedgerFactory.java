package io.sluice.ledger.dynamodb;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.ledger.ClockSkew;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Declares {@code state: { dynamodb: { table, region, endpoint } }}, the DynamoDB ledger. */
public final class DynamoDbLedgerFactory implements LedgerFactory<Options> {
    static final Field<String> TABLE = Field.required(
            "table",
            Type.STRING,
            "Table name; created (on-demand capacity) " + "when missing. Several pipelines may share it.");
    static final Field<String> REGION =
            Field.required("region", Type.STRING, "AWS region of the table, e.g. `eu-west-1`.");
    static final Field<String> ENDPOINT = Field.computed(
            "endpoint",
            Type.STRING,
            "AWS's endpoint for the region",
            "Another endpoint, e.g. `http://127.0.0.1:8000` for DynamoDB Local.");
    static final Field<Duration> TIMEOUT = Field.optional(
            "timeout",
            Type.DURATION,
            DynamoDbConfig.DEFAULT_TIMEOUT,
            "How long one ledger call may take, the SDK's retries included, before it fails (the worker "
                    + "then retries with backoff).");
    static final Field<Duration> MAX_CLOCK_SKEW = ClockSkew.option("DynamoDB's");
    static final Type.Obj OPTIONS =
            Type.Obj.of("A DynamoDB table shared by every worker.", TABLE, REGION, ENDPOINT, TIMEOUT, MAX_CLOCK_SKEW);

    @Override
    public String kind() {
        return "dynamodb";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "A DynamoDB table shared by any number of workers: every claim and completion is a conditional write, "
                + "tokens carry a reset epoch. Credentials come from the AWS default chain (environment, profile, "
                + "role). Weaker than PostgreSQL in places (claim order, registration speed, counting cost): see "
                + "[the DynamoDB ledger](ledgers/dynamodb.md).";
    }

    @Override
    public Ledger open(Options options, PipelineContext context) {
        return ClockSkew.checked(
                DynamoDbLedger.open(config(options), context.pipeline(), context.clock()),
                ledger -> ledger.refuseClockSkew(options.get(MAX_CLOCK_SKEW)));
    }

    @Override
    public String describe(Options options) {
        return config(options).describe();
    }

    static DynamoDbConfig config(Options o) {
        String table = o.get(TABLE);
        if (!table.matches("[A-Za-z0-9_.-]{3,255}")) {
            throw o.problem(
                    TABLE,
                    "'" + table + "' is not a DynamoDB table name: 3 to 255 letters, digits, '_', " + "'-' or '.'");
        }
        Optional<URI> endpoint = o.find(ENDPOINT).map(e -> {
            URI uri;
            try {
                uri = URI.create(e);
            } catch (IllegalArgumentException bad) {
                throw o.problem(ENDPOINT, "'" + e + "' is not a url: " + bad.getMessage());
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw o.problem(ENDPOINT, "'" + e + "' is not a url; write http://host:port");
            }
            return uri;
        });
        if (o.get(TIMEOUT).toMillis() < 100) throw o.problem(TIMEOUT, "must be at least 100ms");
        return new DynamoDbConfig(table, o.get(REGION), endpoint, o.get(TIMEOUT));
    }
}
