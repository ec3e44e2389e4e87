package io.sluice.ledger.postgres;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;

/** Declares {@code state: { postgres: { url, user, password, schema } }}, the PostgreSQL ledger. */
public final class PostgresLedgerFactory implements LedgerFactory {
    static final Type.Obj OPTIONS = Type.Obj.of("A PostgreSQL database shared by every worker.",
            Field.required("url", Type.STRING, "JDBC url of the database: `jdbc:postgresql://host:5432/database` "
                    + "(driver options may follow, e.g. `?sslmode=require`)."),
            Field.computed("user", Type.STRING, "from the url", "User to connect as."),
            Field.computed("password", Type.STRING, "from the url, or none",
                    "Password of the user; write `${PGPASSWORD}` to keep it out of the pipeline file."),
            Field.optional("schema", Type.STRING, PostgresConfig.DEFAULT_SCHEMA,
                    "Schema holding the ledger's tables; created and migrated by Sluice on first use. Several "
                            + "pipelines may share it."),
            Field.optional("max_connections", Type.POSITIVE_INT, (long) PostgresConfig.DEFAULT_MAX_CONNECTIONS,
                    "Connections each Sluice process keeps at most."),
            Field.optional("connect_timeout", Type.DURATION, PostgresConfig.DEFAULT_CONNECT_TIMEOUT,
                    "How long a ledger call waits for a connection before it fails (the worker then retries "
                            + "with backoff)."));

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public Type options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "A PostgreSQL database (12 or newer) shared by any number of workers on any number of machines: claims "
                + "with `FOR UPDATE SKIP LOCKED`, fencing tokens from a sequence, every change one transaction. "
                + "See [the PostgreSQL ledger](ledgers/postgres.md).";
    }

    @Override
    public Ledger open(Object options, PipelineContext context) {
        return PostgresLedger.open(config((Options) options), context.pipeline(), context.clock());
    }

    @Override
    public String describe(Object options) {
        return config((Options) options).describe();
    }

    static PostgresConfig config(Options o) {
        String url = o.string("url");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw o.problem("url", "'" + url + "' is not a PostgreSQL JDBC url; write jdbc:postgresql://host:5432/database");
        }
        String schema = o.string("schema");
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw o.problem("schema", "'" + schema + "' is not a plain schema name: use lower-case letters, digits "
                    + "and '_', starting with a letter or '_'");
        }
        if (o.duration("connect_timeout").toMillis() < 250) {
            throw o.problem("connect_timeout", "must be at least 250ms");
        }
        return new PostgresConfig(url, o.string("user"), o.string("password"), schema,
                Math.toIntExact(o.integer("max_connections")), o.duration("connect_timeout"));
    }
}
