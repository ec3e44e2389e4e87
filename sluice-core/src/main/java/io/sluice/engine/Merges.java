package io.sluice.engine;

import io.sluice.spi.MergingStep;
import io.sluice.spi.Sql;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.PartialResults;
import io.sluice.spi.sink.Written;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/** The engine's half of an aggregate's merge: DuckDB folds and merges the partial files a sink hands over. */
public final class Merges {
    private Merges() {}

    /** Folds partial files into one (the step's {@link MergingStep#fold}). */
    public static void fold(Connection c, MergingStep step, List<Path> partials, Path into) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("COPY (" + step.fold(read(partials)) + ") TO " + Sql.literal(into.toString())
                    + " (FORMAT parquet)");
        }
    }

    /**
     * Rebuilds the merged output from the partials of the done splits and hands it to the sink; with
     * {@link MergingStep#changesOnly}, also the rows that differ from the sink's last merged output. The caller holds
     * the merge's {@code lock} and {@code began} it ({@link PartialResults#replaceMerged}).
     *
     * @return what the sink wrote; empty when there are no partials
     */
    public static Optional<Written> merge(
            Connection c,
            MergingStep step,
            PartialResults sink,
            PartialResults.DoneSplits done,
            OutputLocks.Held lock,
            PartialResults.Began began,
            Path scratch)
            throws Exception {
        Optional<List<Path>> partials = sink.read(done, scratch);
        if (partials.isEmpty()) return Optional.empty();
        String merged = step.merge(read(partials.get()));
        if (!step.changesOnly())
            return Optional.of(sink.replaceMerged(new DuckRows(c, merged), Optional.empty(), lock, began));
        // computed once, so that the changes and the new snapshot are of the same rows
        String table = "sluice_merged_" + Math.abs(System.nanoTime());
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE " + table + " AS " + merged);
            Optional<Path> last = sink.lastMerged(scratch);
            String changed = last.isPresent()
                    ? "SELECT * FROM " + table + " EXCEPT SELECT * FROM read_parquet("
                            + Sql.literal(last.get().toString()) + ")"
                    : "SELECT * FROM " + table;
            return Optional.of(sink.replaceMerged(
                    new DuckRows(c, "SELECT * FROM " + table), Optional.of(new DuckRows(c, changed)), lock, began));
        } finally {
            try (Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    private static String read(List<Path> files) {
        return "SELECT * FROM read_parquet(" + Sql.pathList(files) + ", union_by_name = true)";
    }
}
