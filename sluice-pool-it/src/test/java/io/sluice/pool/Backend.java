package io.sluice.pool;

import io.sluice.ledger.dynamodb.DynamoDbConfig;
import io.sluice.ledger.dynamodb.DynamoDbLedger;
import io.sluice.ledger.postgres.PostgresConfig;
import io.sluice.ledger.postgres.PostgresLedger;
import io.sluice.ledger.redis.RedisConfig;
import io.sluice.ledger.redis.RedisLedger;
import io.sluice.ledger.sqlite.SqliteLedger;
import io.sluice.spi.Ledger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A ledger backend as a pool test uses it: the pipeline's {@code state:} block the workers read, the environment
 * they need, and a handle for the test to look at what they did. Each instance is a fresh, empty store (a file, a
 * schema, a key prefix, a table) on a shared server.
 */
interface Backend {
    String name();

    /** The value of the pipeline's {@code state:} key, as inline YAML. */
    String state();

    Ledger open(String pipeline);

    default Map<String, String> env() {
        return Map.of();
    }

    /**
     * False while some process holds the store's write lock. Only SQLite has one for the whole store: a process paused
     * inside a write transaction keeps every other process of the pool from writing until it resumes (the ledger
     * pages say so), so a test that pauses a worker to see it fenced pauses it between its transactions.
     */
    default boolean writable() {
        return true;
    }

    static Backend sqlite(Path file) {
        return new Backend() {
            public String name() {
                return "sqlite";
            }

            public String state() {
                return "{ sqlite: \"" + file + "\" }";
            }

            public Ledger open(String pipeline) {
                return SqliteLedger.open(file, pipeline, Clock.systemUTC());
            }

            @Override
            public boolean writable() {
                try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                        java.sql.Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 0");
                    s.execute("BEGIN IMMEDIATE");
                    s.execute("ROLLBACK");
                    return true;
                } catch (java.sql.SQLException e) {
                    return false;
                }
            }
        };
    }

    static Backend postgres(int port, String schema) {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        return new Backend() {
            public String name() {
                return "postgres";
            }

            public String state() {
                return "{ postgres: { url: \"" + url + "\", user: postgres, schema: " + schema
                        + ", connect_timeout: 3s } }";
            }

            public Ledger open(String pipeline) {
                return PostgresLedger.open(
                        PostgresConfig.of(url, "postgres", null, schema), pipeline, Clock.systemUTC());
            }
        };
    }

    static Backend redis(int port, String prefix) {
        String url = "redis://127.0.0.1:" + port + "/0";
        return new Backend() {
            public String name() {
                return "redis";
            }

            public String state() {
                return "{ redis: { url: \"" + url + "\", key_prefix: " + prefix + ", timeout: 3s } }";
            }

            public Ledger open(String pipeline) {
                return RedisLedger.open(RedisConfig.of(url).withKeyPrefix(prefix), pipeline, Clock.systemUTC());
            }
        };
    }

    static Backend dynamodb(int port, String table) {
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        return new Backend() {
            public String name() {
                return "dynamodb";
            }

            public String state() {
                return "{ dynamodb: { table: " + table + ", region: us-east-1, endpoint: \"" + endpoint + "\" } }";
            }

            public Ledger open(String pipeline) {
                return DynamoDbLedger.open(
                        DynamoDbConfig.of(table, "us-east-1", endpoint),
                        pipeline,
                        Clock.systemUTC(),
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
            }

            public Map<String, String> env() {
                return Map.of("AWS_ACCESS_KEY_ID", "test", "AWS_SECRET_ACCESS_KEY", "test");
            }
        };
    }
}
