package io.sluice.sinks.files;

import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Folders;
import io.sluice.spi.Split;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** Writes splits to the files sink as a worker does (stage, then commit), with locks in an in-memory ledger. */
final class Commits {
    /** The names of the locks taken, in order. */
    final List<String> locksTaken = new CopyOnWriteArrayList<>();

    final OutputLocks locks;

    Commits() {
        OutputLocks ledgerLocks =
                new LedgerLocks(MemoryLedger.open("test", Clock.systemUTC()), "test", Duration.ofSeconds(30));
        this.locks = new OutputLocks() {
            @Override
            public Held lock(String name) throws IOException {
                locksTaken.add(name);
                return ledgerLocks.lock(name);
            }

            @Override
            public Optional<Held> tryLock(String name) throws IOException {
                locksTaken.add(name);
                return ledgerLocks.tryLock(name);
            }
        };
    }

    /** A merge's lock, as the runner holds it around a merge. */
    OutputLocks.Held mergeLock() throws IOException {
        return locks.lock("merge");
    }

    /** A split claimed in this incarnation (null: from a ledger without incarnations), its claim current. */
    SplitCommit in(String incarnation) {
        return new SplitCommit(() -> {}, () -> true, incarnation, locks);
    }

    /** Stages the rows of {@code query} for the split, then commits them. */
    Written write(FilesSink sink, Connection c, Split split, String query, SplitCommit context) throws Exception {
        Path scratch = Files.createTempDirectory("sluice-commits-");
        try (SinkWriter w = sink.open(split, new WriteContext(scratch))) {
            w.stage(new DuckRows(c, query), BadRows.NONE);
            return w.commit(context);
        } finally {
            Folders.deleteTree(scratch);
        }
    }

    /** Stages the partial rows of {@code query} for the split, then commits them. */
    Written writePartial(FilesSink sink, Connection c, Split split, String query) throws Exception {
        Path scratch = Files.createTempDirectory("sluice-commits-");
        try (SinkWriter w = sink.openPartial(split, new WriteContext(scratch))) {
            w.stage(new DuckRows(c, query), BadRows.NONE);
            return w.commit(in(null));
        } finally {
            Folders.deleteTree(scratch);
        }
    }
}
