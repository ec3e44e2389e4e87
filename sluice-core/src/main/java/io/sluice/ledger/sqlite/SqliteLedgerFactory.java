package io.sluice.ledger.sqlite;

import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.PipelineContext;
import java.nio.file.Path;

/** Declares {@code state: { sqlite: FILE }}, the embedded default ledger. */
public final class SqliteLedgerFactory implements LedgerFactory {
    @Override
    public String kind() {
        return "sqlite";
    }

    @Override
    public Type options() {
        return Type.PATH;
    }

    @Override
    public String description() {
        return "An SQLite file on the local disk (WAL mode). Safe when the process is killed at any point, and for "
                + "several processes on one machine sharing the file; not for a network filesystem. "
                + "See [the SQLite ledger](ledgers/sqlite.md).";
    }

    @Override
    public Ledger open(Object options, PipelineContext context) {
        return SqliteLedger.open((Path) options, context.pipeline(), context.clock());
    }

    @Override
    public String describe(Object options) {
        return "SQLite ledger " + options;
    }
}
