package io.sluice.planning;

import io.sluice.spi.Ledger;
import io.sluice.spi.Split;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Short hands for tests: plan or preview a source on a ledger, open a split and take its files. */
public final class TestSources {
    private TestSources() {}

    public static Plan plan(Source source, Ledger ledger) throws IOException {
        return new Planner(source, ledger).plan();
    }

    public static Plan preview(Source source, Ledger ledger) throws IOException {
        return new Planner(source, ledger).preview();
    }

    public static List<String> status(Source source, Ledger ledger) throws IOException {
        return new Planner(source, ledger).status();
    }

    /** The split's files as its reader gives them (spooled under {@code scratch}, which the caller removes). */
    public static LocalFiles open(Source source, Split split, Path scratch) throws IOException {
        try (SplitReader reader = source.open(split, new ReadContext(scratch))) {
            return reader.files();
        }
    }
}
