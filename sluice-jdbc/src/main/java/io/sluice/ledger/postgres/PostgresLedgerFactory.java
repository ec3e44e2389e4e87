package io.sluice.ledger.postgres;

import io.sluice.config.Connection;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Secret;
import io.sluice.config.Type;
import io.sluice.ledger.ClockSkew;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import java.time.Duration;

/** Declares {@code state: { postgres: { url, user, password, schema } }}, the PostgreSQL ledger. */
public final class PostgresLedgerFactory implements LedgerFactory<Options> {
    static final Field<Connection> CONNECTION = Field.computed(
            "connection",
            Type.CONNECTION,
            "none: `url`",
            "A named connection of the connections file (`connections.yaml` beside the pipeline), in place of "
                    + "`url`, `user` and `password`: its url, user, password and driver properties are used.");
    static final Field<Secret> URL = Field.computed(
            "url",
            Type.SECRET_URL,
            "from `connection`",
            "JDBC url of the database: "
                    + "`jdbc:postgresql://host:5432/database` (driver options may follow, e.g. `?sslmode=require`). Shown with "
                    + "any `password=` masked; write the whole url as `${DATABASE_URL}` to keep it out of the pipeline file.");
    static final Field<String> USER = Field.computed("user", Type.STRING, "from the url", "User to connect as.");
    static final Field<Secret> PASSWORD = Field.computed(
            "password",
            Type.SECRET,
            "from the url, or none",
            "Password of the user: write `${PGPASSWORD}` or `${file:/run/secrets/pg}`.");
    static final Field<String> SCHEMA = Field.optional(
            "schema",
            Type.STRING,
            PostgresConfig.DEFAULT_SCHEMA,
            "Schema holding the ledger's tables; created and migrated by Sluice on first use. Several "
                    + "pipelines may share it.");
    static final Field<Long> MAX_CONNECTIONS = Field.optional(
            "max_connections",
            Type.POSITIVE_INT,
            (long) PostgresConfig.DEFAULT_MAX_CONNECTIONS,
            "Connections each Sluice process keeps at most.");
    static final Field<Duration> CONNECT_TIMEOUT = Field.optional(
            "connect_timeout",
            Type.DURATION,
            PostgresConfig.DEFAULT_CONNECT_TIMEOUT,
            "How long a ledger call waits for a connection before it fails "
                    + "(the worker then retries with backoff).");
    static final Field<Duration> MAX_CLOCK_SKEW = ClockSkew.option("the database server's");
    static final Type.Obj OPTIONS = Type.Obj.of(
            "A PostgreSQL database shared by every worker.",
            CONNECTION,
            URL,
            USER,
            PASSWORD,
            SCHEMA,
            MAX_CONNECTIONS,
            CONNECT_TIMEOUT,
            MAX_CLOCK_SKEW);

    @Override
    public String kind() {
        return "postgres";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "A PostgreSQL database (12 or newer) shared by any number of workers on any number of machines: claims "
                + "with `FOR UPDATE SKIP LOCKED`, fencing tokens from a sequence, every change one transaction. "
                + "See [the PostgreSQL ledger](ledgers/postgres.md).";
    }

    @Override
    public Ledger open(Options options, PipelineContext context) {
        return ClockSkew.checked(
                PostgresLedger.open(config(options), context.pipeline(), context.clock()),
                ledger -> ledger.refuseClockSkew(options.get(MAX_CLOCK_SKEW)));
    }

    @Override
    public String describe(Options options) {
        return config(options).describe();
    }

    static PostgresConfig config(Options o) {
        Connection named = o.get(CONNECTION);
        if (named != null) {
            for (Field<?> f : java.util.List.of(URL, USER, PASSWORD)) {
                if (o.has(f)) {
                    throw o.problem(
                            f,
                            "write either `connection` or `" + f.name() + "`: the connection '" + named.name()
                                    + "' already gives the url, user and password");
                }
            }
        } else if (!o.has(URL)) {
            throw o.problem(
                    URL,
                    "missing: write `url` (jdbc:postgresql://host:5432/database) or `connection` (a name from "
                            + "connections.yaml)");
        }
        Secret url = named != null ? named.url() : o.get(URL);
        if (!url.reveal().startsWith("jdbc:postgresql:")) {
            throw o.problem(
                    named != null ? CONNECTION : URL,
                    "'" + url + "' is not a PostgreSQL JDBC url; write jdbc:postgresql://host:5432/database"
                            + (named != null ? " in the connection '" + named.name() + "' of " + named.file() : ""));
        }
        String schema = o.get(SCHEMA);
        if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw o.problem(
                    SCHEMA,
                    "'" + schema + "' is not a plain schema name: use lower-case letters, digits "
                            + "and '_', starting with a letter or '_'");
        }
        if (o.get(CONNECT_TIMEOUT).toMillis() < 250) {
            throw o.problem(CONNECT_TIMEOUT, "must be at least 250ms");
        }
        return new PostgresConfig(
                url,
                named != null ? named.user() : o.get(USER),
                named != null ? named.password() : o.get(PASSWORD),
                schema,
                Math.toIntExact(o.get(MAX_CONNECTIONS)),
                o.get(CONNECT_TIMEOUT),
                named);
    }
}
