package io.sluice.ledger.sqlite;

import io.sluice.config.Type;
import io.sluice.spi.Ledger;
import io.sluice.spi.LedgerFactory;
import io.sluice.spi.LedgerRefusedException;
import io.sluice.spi.PipelineContext;
import java.nio.file.Files;
import java.nio.file.Path;

/** Declares {@code state: { sqlite: FILE }}, the embedded default ledger. */
public final class SqliteLedgerFactory implements LedgerFactory<Path> {
    @Override
    public String kind() {
        return "sqlite";
    }

    @Override
    public Type<Path> options() {
        return Type.PATH;
    }

    @Override
    public String description() {
        return "An SQLite file on the local disk (WAL mode). Safe when the process is killed at any point, and for "
                + "several processes on one machine sharing the file; not for a network filesystem. "
                + "See [the SQLite ledger](ledgers/sqlite.md).";
    }

    @Override
    public Ledger open(Path file, PipelineContext context) {
        return SqliteLedger.open(file, context.pipeline(), context.clock());
    }

    /** Creates nothing: an existing file must be a file; otherwise the nearest existing folder above it must be writable. */
    @Override
    public void check(Path options, PipelineContext context) {
        Path file = options.toAbsolutePath().normalize();
        Path existing = file;
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        String problem = existing.equals(file)
                ? (Files.isRegularFile(file) ? null : "it is not a file")
                : !Files.isDirectory(existing)
                        ? existing + " is not a folder"
                        : !Files.isWritable(existing)
                                ? "cannot create it in " + existing + " (permission denied or read-only)"
                                : null;
        if (problem != null)
            throw new LedgerRefusedException(
                    "SQLite ledger " + file + ": " + problem + "; choose another state.sqlite path", null);
    }

    /** Only a file that is there: validate creates no ledger. */
    @Override
    public java.util.Optional<Ledger> openExisting(Path options, PipelineContext context) {
        if (!Files.isRegularFile(options)) return java.util.Optional.empty();
        return java.util.Optional.of(open(options, context));
    }

    @Override
    public String describe(Path options) {
        return "SQLite ledger " + options;
    }
}
