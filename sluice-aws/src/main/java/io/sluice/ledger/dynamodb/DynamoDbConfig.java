package io.sluice.ledger.dynamodb;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a DynamoDB ledger lives.
 *
 * @param table    the table; created on first use when missing
 * @param region   the AWS region, e.g. {@code eu-west-1}
 * @param endpoint another endpoint than AWS's (DynamoDB Local, a VPC endpoint), or empty
 * @param timeout  how long one ledger call may take, retries included, before it fails
 */
public record DynamoDbConfig(String table, String region, Optional<URI> endpoint, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public DynamoDbConfig {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(endpoint, "endpoint");
        if (!table.matches("[A-Za-z0-9_.-]{3,255}")) {
            throw new IllegalArgumentException(
                    "table name '" + table + "' must be 3 to 255 letters, digits, '_', '-' " + "or '.'");
        }
        if (timeout.toMillis() < 100) throw new IllegalArgumentException("timeout must be >= 100ms");
    }

    public static DynamoDbConfig of(String table, String region, URI endpoint) {
        return new DynamoDbConfig(table, region, Optional.ofNullable(endpoint), DEFAULT_TIMEOUT);
    }

    public DynamoDbConfig withTimeout(Duration t) {
        return new DynamoDbConfig(table, region, endpoint, t);
    }

    /** For messages: the table, its region and any endpoint. */
    public String describe() {
        return "DynamoDB ledger table " + table + " (" + region
                + endpoint.map(e -> ", endpoint " + e).orElse("") + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
