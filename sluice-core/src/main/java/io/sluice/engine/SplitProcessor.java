package io.sluice.engine;

import io.sluice.spi.AttemptFailure;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.FileStep;
import io.sluice.spi.MergingStep;
import io.sluice.spi.Split;
import io.sluice.spi.Sql;
import io.sluice.spi.Step;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileOutputs;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import io.sluice.spi.source.LocalFiles;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.duckdb.DuckDBConnection;
import org.duckdb.ProfilerPrintFormat;

/**
 * Runs one split through the engine: load its input as the relation {@code input}, apply the steps (each a
 * query over the previous one), and hand the result and the bad records to a writer of the sink (of its partial
 * results, after an aggregate), which stages them and commits them under the claim.
 */
public final class SplitProcessor {
    private static final AtomicLong NAMES = new AtomicLong();

    private final List<Step> steps;
    private final List<String> stepNames;
    private final Sink sink;
    private final BadRecordPolicy onBadRecord;
    private final LocateBudget locate;

    /** @param stepNames how errors name each step ({@link StepCheck#name}) */
    public SplitProcessor(List<Step> steps, List<String> stepNames, Sink sink, BadRecordPolicy onBadRecord) {
        this(steps, stepNames, sink, onBadRecord, LocateBudget.DEFAULT);
    }

    /** @param locate what naming the row a split failed on may cost ({@link #located}) */
    SplitProcessor(
            List<Step> steps, List<String> stepNames, Sink sink, BadRecordPolicy onBadRecord, LocateBudget locate) {
        this.steps = List.copyOf(steps);
        this.stepNames = List.copyOf(stepNames);
        this.sink = sink;
        this.onBadRecord = onBadRecord;
        this.locate = locate;
    }

    /** Rows read (good and bad), rows written, bad records (unreadable, rejected by a step, refused by the sink), output names. */
    public record Result(long rowsIn, long rowsOut, long rejected, List<String> outputs) {}

    /** @param write what the sink's writer may use: the attempt's scratch folder, which the caller removes */
    public Result process(Connection c, Split split, LocalFiles input, CommitContext context, WriteContext write)
            throws Exception {
        // every input changed since the split was planned and is processed as its new version: nothing left to read
        if (input.parts().isEmpty()) return new Result(0, 0, 0, List.of());
        if (fileStep() instanceof FileStep files) return processFiles(files, split, input, context, write);
        Staging sink = (rows, bad) -> {
            try (SinkWriter writer = writer(split, write)) {
                writer.stage(rows, bad);
                return writer.commit(context);
            }
        };
        return evenLineEnds(input, write.scratch(), (in, crMark) -> read(c, split, in, sink, crMark));
    }

    /**
     * Reads the input through the steps as {@link #process} does, bad records counted as it counts them, writing
     * nothing: throws what would fail the split, and, under {@code on_bad_record: fail}, its bad records as a run names
     * them (the runner's division looks so for the file of a pack that holds them). An exec step's input is only
     * opened ({@link #count}): a command does not find bad records.
     */
    public void badRecords(Connection c, Split split, LocalFiles input, java.nio.file.Path scratch) throws Exception {
        if (fileStep() != null || input.parts().isEmpty()) {
            count(c, input, scratch);
            return;
        }
        Staging nowhere = (rows, bad) -> {
            if (rows instanceof DuckRows computed) computed.compute();
            bad.rows();
            return Written.NOTHING;
        };
        evenLineEnds(input, scratch, (in, crMark) -> read(c, split, in, nowhere, crMark));
    }

    /**
     * Reads the input through the steps as {@link #process} does and hands their rows to the sink's check of its values
     * ({@link Sink#checkValues}), writing nothing the sink holds: throws a value the sink refuses. Rows merged across
     * splits (an aggregate's) are checked by no one split: nothing is.
     */
    public void sinkValues(Connection c, Split split, LocalFiles input, java.nio.file.Path scratch) throws Exception {
        if (fileStep() != null || input.parts().isEmpty()) return;
        if (!steps.isEmpty() && steps.getLast() instanceof MergingStep) return;
        Staging values = (rows, bad) -> {
            sink.checkValues(rows, scratch);
            return Written.NOTHING;
        };
        evenLineEnds(input, scratch, (in, crMark) -> read(c, split, in, values, crMark));
    }

    /** Where a read's rows and bad records go: the sink's writer (a run), or nowhere (a check). */
    @FunctionalInterface
    private interface Staging {
        Written stage(Rows rows, BadRows bad) throws Exception;
    }

    /** Reads the input once, each csv column's detected type checked in the read, or, if it stops there, first. */
    private Result read(Connection c, Split split, LocalFiles input, Staging staging, int crMark) throws Exception {
        if (!input.declared().isEmpty() && !List.of("csv", "jsonl").contains(input.format())) {
            throw SplitFailure.of(
                    input.parts().getFirst().key() + " is read as " + input.format() + " (by its name), and "
                            + "source.files.types declares the types of csv columns and JSON lines' keys: set format: "
                            + "csv or jsonl if it is one, or leave it out (include), or remove types and give its types "
                            + "in a step (CAST)",
                    false);
        }
        String source = "sluice_src_" + NAMES.incrementAndGet();
        // one reader for both reads: it checks the files against their declared types once
        Optional<Reader> read = reader(input, source, crMark);
        try {
            return read(c, split, input, staging, source, read, true);
        } catch (Exception e) {
            // a value its detected csv type would change or refuse stopped the one-pass read; its writer was
            // closed, so it staged nothing, and what it created was dropped: read again, every value looked at first
            if (!DetectedCsv.raised(e)) throw e;
            return read(c, split, input, staging, source, read, false);
        }
    }

    /** A read of the input, or of its copies with even line ends, where {@code crMark} stands for a CR in a line. */
    @FunctionalInterface
    interface ReadOf<T> {
        T read(LocalFiles input, int crMark) throws Exception;
    }

    /**
     * Reads the input; when DuckDB fails on a file whose lines end some in LF, some in CRLF, or a log with a CR inside
     * a line, reads again from copies under {@code scratch} that DuckDB can follow (the first read's writer was
     * closed, so it staged nothing). Every read of a split's records goes through here: a run, {@code sluice head},
     * the divider's reads of one file alone, which would otherwise name such a file unreadable, and the step check's
     * read of its sample ({@link StepCheck}), which would otherwise skip the check.
     */
    static <T> T evenLineEnds(LocalFiles input, java.nio.file.Path scratch, ReadOf<T> read) throws Exception {
        try {
            return read.read(input, 0);
        } catch (SplitFailure | SQLException e) {
            if (!LineEnds.maybe(e, input)) throw e;
            java.nio.file.Path dir = scratch.resolve("line-ends");
            Optional<LineEnds.Copies> copies = LineEnds.copies(input, dir);
            if (copies.isEmpty()) throw e;
            try {
                return read.read(copies.get().input(), copies.get().crMark());
            } finally {
                io.sluice.spi.Folders.deleteTree(dir);
            }
        }
    }

    /**
     * @param source the name of the split's records ({@code read}'s prefix)
     * @param read the reader of the input; empty: it has nothing to read
     * @param checkedInRead csv columns' detected types checked by the read itself ({@link Reader#checkedInRead}), which
     *     fails at a value to look at again; else by a look at every value before ({@link Reader#resolved})
     */
    private Result read(
            Connection c,
            Split split,
            LocalFiles input,
            Staging staging,
            String source,
            Optional<Reader> read,
            boolean checkedInRead)
            throws Exception {
        // every input is an empty csv file: no row, and no column for the steps to bind; the commit still replaces
        // what the inputs' earlier versions wrote (a file overwritten by an empty one leaves no output)
        if (read.isEmpty()) {
            Written written = staging.stage(Rows.NONE, BadRows.NONE);
            return new Result(0, written.rowsOut(), written.refused(), written.outputs());
        }
        List<String> drops =
                new java.util.ArrayList<>(read.get().drops()); // what this split created, to drop at the end
        List<String> queries = new java.util.ArrayList<>(); // the source's records, then each step's result
        try (Statement s = c.createStatement()) {
            Loaded loaded = load(s, read.get(), input, source, drops, checkedInRead);
            Reader reader = loaded.reader();
            long[] good = {loaded.good()};
            String query = transformed(loaded.from(), queries);
            String sinkRead = query; // the query whose scans read the files for the sink
            String rejectColumn = steps.isEmpty() ? null : steps.getLast().rejectColumn();
            String stepRejects = null;
            // whether a record of the split may be named by its byte (else the byte field of its dead letters is null)
            boolean byByte = input.parts().stream().anyMatch(p -> !locate.countsLines(p.shift()));
            long[] bad = {0};
            if (rejectColumn != null) {
                // the steps' rows are computed once, then split into the good ones and the ones the step rejected
                String column = Sql.identifier(rejectColumn);
                String out = source + "_out";
                drops.addFirst("DROP TABLE IF EXISTS " + out);
                s.execute("CREATE TEMP TABLE " + out + " AS " + query);
                if (good[0] < 0) good[0] = recordsRead(c, s, reader, sinkRead);
                query = "SELECT * EXCLUDE (" + column + ") FROM " + out + " WHERE " + column + " IS NULL";
                stepRejects = "SELECT " + Sql.literal(split.id()) + " AS split, " + Sql.literal(origin(input))
                        + " AS file, "
                        + "NULL::BIGINT AS line, NULL::BIGINT AS \"byte\", " + column
                        + " AS reason, to_json(struct_pack(*COLUMNS(* EXCLUDE ("
                        + column + "))))::VARCHAR AS record FROM " + out + " WHERE " + column + " IS NOT NULL";
                bad[0] = count(s, "SELECT count(*) FROM " + out + " WHERE " + column + " IS NOT NULL");
            }
            long stepBad = bad[0];
            String rejectedRows = stepRejects;
            BadRows badRows = () -> {
                if (good[0] < 0) good[0] = recordsRead(c, s, reader, sinkRead);
                for (String after : reader.after()) s.execute(after);
                long unreadable = count(
                        s, "SELECT count(*) FROM (SELECT DISTINCT file_path, line FROM " + reader.rejects() + ")");
                bad[0] = stepBad + unreadable;
                // skipped records are only counted: their lines are not looked for (a range of an object in a store
                // would download every byte before it to number them)
                if (bad[0] == 0 || onBadRecord == BadRecordPolicy.SKIP) return Optional.empty();
                String lines = null;
                if (unreadable > 0 && input.format().equals("csv")) {
                    lines = source + "_lines";
                    drops.addFirst("DROP TABLE IF EXISTS " + lines);
                    PhysicalLines.create(s, reader.rejects(), lines);
                }
                String texts = null;
                if (unreadable > 0 && input.format().equals("csv") && onBadRecord == BadRecordPolicy.DEAD_LETTER) {
                    texts = source + "_texts";
                    drops.addFirst("DROP TABLE IF EXISTS " + texts);
                    // as long as naming a record may take: the records not reached by then keep DuckDB's text
                    RecordTexts.create(
                            s,
                            reader.rejects(),
                            texts,
                            input.encoding().equals("latin-1"),
                            System.nanoTime() + locate.time().toNanos());
                }
                String starts = null;
                if (unreadable > 0 && byByte) {
                    starts = source + "_starts";
                    drops.addFirst("DROP TABLE IF EXISTS " + starts);
                    // a range read from a copy with even line ends: its bytes are those of the spool it was made of
                    Map<String, java.nio.file.Path> spools = new HashMap<>();
                    for (LocalFiles.Part p : input.parts()) {
                        if (locate.countsLines(p.shift())) continue;
                        spools.put(
                                p.file().toString(),
                                p.shift() instanceof LineEnds.Copied copied ? copied.original() : p.file());
                    }
                    long deadline = System.nanoTime() + locate.time().toNanos();
                    RecordBytes.create(
                            s, reader.rejects(), starts, spools, input.format().equals("csv"), deadline);
                }
                String unreadableRows =
                        unreadable == 0 ? null : deadLetters(split, input, reader.rejects(), lines, starts, texts);
                String deadLetters = unreadable == 0
                        ? rejectedRows
                        : rejectedRows == null
                                ? unreadableRows
                                : "SELECT * FROM (" + unreadableRows + ") UNION ALL SELECT * FROM (" + rejectedRows
                                        + ")";
                // the same bytes hold the same bad records at every attempt: the split is dead at once, not retried
                if (onBadRecord == BadRecordPolicy.FAIL)
                    throw SplitFailure.badRecords(firstBad(s, deadLetters, bad[0], input.fix()));
                return onBadRecord == BadRecordPolicy.DEAD_LETTER
                        ? Optional.of(new DuckRows(c, deadLetters))
                        : Optional.empty();
            };
            Written written = staging.stage(new DuckRows(c, query), badRows);
            // rows a step rejected were read like the good ones; rows the sink refused were read, and are bad
            return new Result(
                    good[0] + bad[0] - stepBad, written.rowsOut(), bad[0] + written.refused(), written.outputs());
        } catch (SQLException e) {
            if (DetectedCsv.raised(e)) throw e;
            // the files do not fit the user's declared csv types: the same bytes fail the same way every time
            if (e instanceof DeclaredCsv.Refused) throw SplitFailure.of(e.getMessage(), false);
            SplitFailure failure = SplitFailure.of(c, e, queries, stepNames, input);
            if (failure == null) throw e;
            String message = String.valueOf(e.getMessage());
            if (failure.retryable()
                    && (ExactIntegers.raised(message) || steps.stream().anyMatch(st -> st.raised(message)))) {
                failure = failure.notRetryable();
            }
            if (!steps.isEmpty() && steps.getFirst().raised(message) && !queries.isEmpty()) {
                try {
                    failure = located(c, input, e, queries.getFirst(), failure);
                } catch (RuntimeException unnamed) {
                    // naming the row must not change how the split failed: the step's words stay as they were
                }
            }
            // which file of a pack holds a refused value (DuckDB does not say) is found by the runner's division,
            // which runs each file alone once (io.sluice.runner.Divider), not here as well
            throw failure;
        } finally {
            drop(c, drops);
        }
    }

    /**
     * Reads the input and runs the steps over all of it, as {@link #process} would, writing nothing: throws what stops
     * the read (a truncated gzip) or a step (a value it refuses, named as a run names it). An aggregate's share of the
     * totals is computed, not merged with other splits' (a merge's error is not one split's). An exec step's command
     * is not run: it may be slow, act outside the sink, or answer differently the next time; its input is only opened.
     */
    public void check(Connection c, LocalFiles input, java.nio.file.Path scratch) throws Exception {
        if (fileStep() != null) {
            count(c, input, scratch);
            return;
        }
        if (input.parts().isEmpty()) return;
        evenLineEnds(input, scratch, (in, crMark) -> {
            List<String> queries = new java.util.ArrayList<>();
            try {
                throughSteps(c, in, crMark, queries);
            } catch (SQLException e) {
                SplitFailure failure = SplitFailure.of(c, e, queries, stepNames, in);
                throw failure == null ? e : failure;
            }
            return null;
        });
    }

    /**
     * Computes every value of the steps' result over the input (every column counted: count(*) would not compute
     * them), each column's detected csv type checked first.
     *
     * @param queries gets the source's records, then each step's result ({@link #transformed})
     */
    private void throughSteps(Connection c, LocalFiles input, int crMark, List<String> queries)
            throws SQLException, IOException {
        String name = "sluice_src_" + NAMES.incrementAndGet();
        Optional<Reader> read = reader(input, name, crMark);
        if (read.isEmpty()) return;
        List<String> drops = new java.util.ArrayList<>(read.get().drops());
        try (Statement s = c.createStatement()) {
            String query = transformed(load(s, read.get(), input, name, drops).from(), queries);
            s.executeQuery("SELECT count(COLUMNS(*)) FROM (" + query + ")").close();
        } finally {
            drop(c, drops);
        }
    }

    /** The column that tells the first step where each record was read ({@link Step#located}). */
    private static final String ORIGIN = "__sluice_origin";

    /**
     * The first step's own check failed ({@code e}): its query is run again over the records numbered file by file, so
     * that the error names the file and line of a record that fails it ({@link RecordOrigins}). The words are the
     * step's (which name it), without DuckDB's kind of error. When the records cannot be numbered, or not within the
     * budget ({@link #locate}: the split's records are not read whole a second time, however large), the message names
     * the split's files and says why; {@code failure} as it is when the step cannot name records.
     *
     * @param records the query of the split's records the step failed over
     */
    private SplitFailure located(Connection c, LocalFiles input, SQLException e, String records, SplitFailure failure) {
        Step first = steps.getFirst();
        if (first.located(records, ORIGIN) == null) return failure;
        long deadline = System.nanoTime() + locate.time().toNanos();
        String why;
        try (Statement s = c.createStatement();
                StatementTimer timer = StatementTimer.after(s, locate.time())) {
            try {
                String numbered = Reader.numbered(s, input, ORIGIN);
                if (numbered == null) why = "the records of " + input.format() + " files are not numbered";
                else {
                    s.executeQuery("SELECT count(COLUMNS(*)) FROM (" + first.located(numbered, ORIGIN) + ")")
                            .close();
                    why = "read again, the split passed the check";
                }
            } catch (SQLException again) {
                EngineErrors.EngineError error = EngineErrors.of(again).orElse(null);
                if (error != null && first.raised(again.getMessage()) && RecordOrigins.marked(error.message())) {
                    try {
                        return failure.withMessage(RecordOrigins.named(
                                EngineErrors.withoutExcerpt(error.message()), input, locate, deadline));
                    } catch (IOException io) {
                        why = "its line could not be counted: " + io.getMessage();
                    }
                } else if (timer.fired()) {
                    why = "the failing row was not located: reading the split's " + size(input) + " again took longer "
                            + "than " + spokenTime();
                } else {
                    why = "read again, the split failed otherwise: "
                            + EngineErrors.withoutExcerpt(String.valueOf(again.getMessage()));
                }
            }
        } catch (SQLException closing) {
            why = "it could not be read again: " + closing.getMessage();
        } catch (IOException io) {
            why = "its file could not be read again: " + io.getMessage();
        }
        String text = EngineErrors.of(e)
                .map(error -> EngineErrors.withoutExcerpt(error.message()))
                .orElse(String.valueOf(e.getMessage()));
        List<String> keys = input.parts().stream().map(LocalFiles.Part::key).toList();
        return failure.withMessage(text + " (in "
                + (keys.size() == 1 ? keys.getFirst() : "one of " + String.join(", ", keys)) + "; " + why + ")");
    }

    /** The size of the split's files, as {@code sluice status} shows sizes ({@code 12.4 GB}). */
    private static String size(LocalFiles input) {
        long bytes = 0;
        for (LocalFiles.Part p : input.parts()) {
            try {
                bytes += java.nio.file.Files.size(p.file());
            } catch (IOException gone) {
                // counted as nothing: the size only tells a user why
            }
        }
        return io.sluice.spi.Sizes.human(bytes);
    }

    /** The only step when it turns files into files ({@link FileStep}), else null. */
    private Step fileStep() {
        return steps.size() == 1 && steps.getFirst() instanceof FileStep f ? f : null;
    }

    /**
     * Runs a file step on each input of the split, each into a folder of its own on the sink's staging disk, then
     * stages and commits every file they wrote as the split's output. In: the inputs; out: the files.
     */
    private Result processFiles(FileStep step, Split split, LocalFiles input, CommitContext context, WriteContext write)
            throws Exception {
        FileOutputs outputs = sink.fileOutputs()
                .orElseThrow(() ->
                        new IllegalStateException("the sink cannot take files: an exec step needs the files sink"));
        Written written;
        try (FileOutputs.Writer writer = outputs.openFiles(split, write)) {
            for (LocalFiles.Part part : input.parts()) {
                try {
                    step.run(part.file(), part.key(), writer.newFolder(part.key()), writer.scratch(), split.id());
                } catch (AttemptFailure f) {
                    throw SplitFailure.of(f.getMessage(), f.retryable());
                }
            }
            writer.stage();
            written = writer.commit(context);
        }
        return new Result(input.parts().size(), written.rowsOut(), written.refused(), written.outputs());
    }

    /** The writer of a split's output, or of its partial when the last step merges across splits. */
    private SinkWriter writer(Split split, WriteContext write) throws Exception {
        if (steps.isEmpty() || !(steps.getLast() instanceof MergingStep)) return sink.open(split, write);
        return sink.partialResults()
                .orElseThrow(() -> new IllegalStateException(
                        "the sink cannot hold partial results: an aggregate step needs another sink"))
                .openPartial(split, write);
    }

    /** The first rows of a preview, as text (null for SQL NULL). */
    public record Preview(List<String> columns, List<List<String>> rows) {}

    /**
     * The first {@code limit} rows the sink would get for this split: read and transformed like {@link #process}
     * does, without the rows the last step rejects, and with an aggregate's rows merged as this split alone makes
     * them. Writes nothing.
     */
    public Preview preview(Connection c, LocalFiles input, int limit, java.nio.file.Path scratch) throws Exception {
        if (fileStep() != null) {
            throw new IllegalArgumentException(
                    "an exec step writes files, not rows: there are no rows to show; run the pipeline and look in the sink's folder");
        }
        if (input.parts().isEmpty()) return new Preview(List.of(), List.of());
        return evenLineEnds(input, scratch, (in, crMark) -> preview(c, in, limit, crMark));
    }

    private Preview preview(Connection c, LocalFiles input, int limit, int crMark) throws Exception {
        String source = "sluice_src_" + NAMES.incrementAndGet();
        Optional<Reader> read = reader(input, source, crMark);
        if (read.isEmpty()) return new Preview(List.of(), List.of());
        Reader reader = read.get();
        List<String> drops = new java.util.ArrayList<>(reader.drops());
        try (Statement s = c.createStatement()) {
            String query = transformed(load(s, reader, input, source, drops).from(), new java.util.ArrayList<>());
            String rejectColumn = steps.isEmpty() ? null : steps.getLast().rejectColumn();
            if (rejectColumn != null) {
                String column = Sql.identifier(rejectColumn);
                query = "SELECT * EXCLUDE (" + column + ") FROM (" + query + ") WHERE " + column + " IS NULL";
            }
            if (!steps.isEmpty() && steps.getLast() instanceof MergingStep merging) query = merging.merge(query);
            try (ResultSet r = s.executeQuery("SELECT * FROM (" + query + ") LIMIT " + limit)) {
                List<String> columns = new java.util.ArrayList<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++)
                    columns.add(r.getMetaData().getColumnName(i));
                List<List<String>> rows = new java.util.ArrayList<>();
                while (r.next()) {
                    List<String> row = new java.util.ArrayList<>();
                    for (int i = 1; i <= columns.size(); i++) row.add(r.getString(i));
                    rows.add(row);
                }
                return new Preview(columns, rows);
            }
        } finally {
            drop(c, drops);
        }
    }

    /**
     * A query of what the steps make of the split's records ({@code from}); adds to {@code queries} the source's
     * records, then each step's result, so that an error can be traced to its step.
     */
    private String transformed(String from, List<String> queries) {
        String query = "SELECT * FROM " + from;
        queries.add(query);
        for (Step step : steps) {
            query = step.apply(query);
            queries.add(query);
        }
        return query;
    }

    /**
     * Where the split's records are selected from ({@code from}), and how many good records they are when that is
     * known now ({@code good}; -1: counted later).
     */
    private record Loaded(String from, long good, Reader reader) {}

    /**
     * Makes the split's records selectable: a table of the good records (JSON lines), else the reader's query itself,
     * named {@code source}.
     */
    private static Loaded load(Statement s, Reader unresolved, LocalFiles input, String source, List<String> drops)
            throws SQLException {
        return load(s, unresolved, input, source, drops, false);
    }

    /** @param checkedInRead see {@link #read(Connection, Split, LocalFiles, Staging, String, Optional, boolean)} */
    private static Loaded load(
            Statement s, Reader unresolved, LocalFiles input, String source, List<String> drops, boolean checkedInRead)
            throws SQLException {
        Reader reader = checkedInRead ? unresolved.checkedInRead(s) : unresolved.resolved(s);
        for (String prepare : reader.prepare()) s.execute(prepare);
        // the lines that are not JSON: a record of declared values its types refuse is left out by the read itself
        long jsonBad = input.format().equals("jsonl")
                ? count(s, "SELECT count(*) FROM " + reader.rejects() + " WHERE error_type = 'INVALID JSON'")
                : 0;
        if (jsonBad > 0) {
            // DuckDB's JSON reader (ignore_errors) returns each bad line as a row of NULLs: drop as many all-NULL
            // rows as there are bad lines (all-NULL rows are alike, so which ones does not matter)
            drops.add("DROP TABLE IF EXISTS " + source);
            long read = s.executeUpdate("CREATE TEMP TABLE " + source + " AS " + reader.relation());
            return new Loaded(
                    source,
                    read
                            - s.executeUpdate("DELETE FROM " + source + " WHERE rowid IN (SELECT rowid FROM " + source
                                    + " WHERE COLUMNS(*) IS NULL LIMIT " + jsonBad + ")"),
                    reader);
        }
        // a subquery, not a table: the sink's write is the one pass over the files, reading only the columns the steps
        // use; nor a view, whose creation binds the read: DuckDB sniffs the CSV files at each bind (about half its
        // work on a 10 MB file), and the write binds it again
        return new Loaded("(" + reader.relation() + ") AS " + source, -1, reader);
    }

    /** Drops what a read created, on a statement of its own: a failed query may have closed the read's statement. */
    private static void drop(Connection c, List<String> drops) {
        try (Statement s = c.createStatement()) {
            for (String drop : drops) s.execute(drop);
        } catch (SQLException ignored) {
            // the connection is broken; the worker replaces it
        }
    }

    /**
     * Reads the input to its end through the same reader as {@link #process} and counts its records, writing nothing.
     * Throws what stops the read (a truncated gzip, a file that is gone), as processing the input would.
     */
    public long count(Connection c, LocalFiles input, java.nio.file.Path scratch) throws Exception {
        if (input.parts().isEmpty()) return 0;
        if (fileStep() != null) {
            // read whole by a command: an input is readable when it is there and can be opened
            for (LocalFiles.Part part : input.parts())
                java.nio.file.Files.newInputStream(part.file()).close();
            return input.parts().size();
        }
        return evenLineEnds(input, scratch, (in, crMark) -> count(c, in, crMark));
    }

    private long count(Connection c, LocalFiles input, int crMark) throws Exception {
        Optional<Reader> read = reader(input, "sluice_src_" + NAMES.incrementAndGet(), crMark);
        if (read.isEmpty()) return 0;
        try (Statement s = c.createStatement()) {
            Reader reader = read.get().resolved(s);
            for (String prepare : reader.prepare()) s.execute(prepare);
            return count(s, "SELECT count(*) FROM (" + reader.relation() + ")");
        } finally {
            drop(c, read.get().drops());
        }
    }

    /**
     * The reader of a split's input (none when it has nothing to read); csv columns stay text when the first step types
     * them itself.
     *
     * @param crMark the byte that stands for a CR inside a text line ({@link LineEnds#marked}); 0: none
     */
    private Optional<Reader> reader(LocalFiles input, String name, int crMark) throws IOException {
        return Reader.of(input, name, !steps.isEmpty() && steps.getFirst().inputAsText(), crMark);
    }

    /**
     * The good records the write just read: the rows its scans of the files counted (DuckDB's profile of the last
     * statement), less those a filter of the read left out as bad ({@link Reader#leftOut}); or, when the steps scan the
     * input more than once, stop early or read a materialized table, a count, reading the columns the write's scans
     * read ({@code sinkRead}'s plan), so that it rejects the records the write rejected for a byte that is not UTF-8.
     */
    private static long recordsRead(Connection c, Statement s, Reader reader, String sinkRead) throws SQLException {
        if (reader.scans() > 0 && c.isWrapperFor(DuckDBConnection.class)) {
            String profile = c.unwrap(DuckDBConnection.class).getProfilingInformation(ProfilerPrintFormat.JSON);
            long scanned = QueryProfile.rowsScanned(profile, reader.scans());
            if (scanned >= 0) return reader.leftOut() == null ? scanned : scanned - count(s, reader.leftOut());
        }
        List<String> columns = columnsRead(c, reader, sinkRead);
        if (!columns.isEmpty()) {
            // a statement of its own: DuckDB closes one whose query failed
            try (Statement own = c.createStatement()) {
                return count(own, reader.count(columns));
            } catch (SQLException unread) {
                // counted as before, by the columns the count's own filters need: a count never fails the split
            }
        }
        return count(s, reader.count(List.of()));
    }

    /**
     * The input's columns that {@code sinkRead}'s scans of it read ({@link QueryProfile#columnsScanned}); empty when
     * its plan or the input's columns cannot be read.
     */
    private static List<String> columnsRead(Connection c, Reader reader, String sinkRead) {
        List<String> own = new java.util.ArrayList<>();
        // statements of their own: DuckDB closes one whose query failed
        try (Statement describe = c.createStatement();
                ResultSet columns = describe.executeQuery("DESCRIBE " + reader.relation())) {
            while (columns.next()) own.add(columns.getString("column_name"));
        } catch (SQLException undescribed) {
            return List.of();
        }
        try (Statement explain = c.createStatement();
                ResultSet plan = explain.executeQuery("EXPLAIN (FORMAT JSON) " + sinkRead)) {
            return plan.next()
                    ? QueryProfile.columnsScanned(
                            plan.getString(plan.getMetaData().getColumnCount()), own)
                    : List.of();
        } catch (SQLException unexplained) {
            return List.of();
        }
    }

    /** How long naming a record may take ({@link LocateBudget#time}), as a user reads it. */
    private String spokenTime() {
        long millis = locate.time().toMillis();
        return millis < 1000 ? millis + " ms" : millis / 1000 + " s";
    }

    /** What a dead letter of a row a step rejected names as its file: the split's input. */
    private static String origin(LocalFiles input) {
        List<LocalFiles.Part> parts = input.parts();
        return parts.size() == 1
                ? parts.getFirst().key()
                : parts.getFirst().key() + " and " + (parts.size() - 1) + " other file(s) of the split";
    }

    /** on_bad_record: fail: the error names the first bad record's file, line (or byte) and reason. */
    private static String firstBad(Statement s, String deadLetters, long bad, String fix) throws SQLException {
        try (ResultSet r = s.executeQuery("SELECT file, line, reason, \"byte\" FROM (" + deadLetters + ") LIMIT 1")) {
            r.next();
            String place = r.getObject(2) != null
                    ? " line " + r.getLong(2)
                    : r.getObject(4) != null ? " record at byte " + r.getLong(4) : "";
            return bad + " bad record(s) and run.on_bad_record is fail; the first: " + r.getString(1) + place + ": "
                    + r.getString(3) + "; " + fix + ", or set run.on_bad_record to dead_letter or skip";
        }
    }

    private static long count(Statement s, String sql) throws SQLException {
        try (ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * One row per bad line: split, the file the user knows, the line there, its reasons, the raw record (a csv record's
     * as its file holds it, {@code texts} by {@link RecordTexts}; else, or null, DuckDB's text of it). A csv record's
     * line is where it starts as an editor counts lines ({@code lines}, by {@link PhysicalLines}; null: DuckDB's record
     * number). Lines of a byte-range spool are shifted back to the line numbers of the original file; a range whose
     * lines before it are not counted ({@link LocateBudget#countsLines}) names its records by the byte where each
     * starts in the original file instead ({@code starts}, by {@link RecordBytes}; null: no range is), in the field
     * {@code byte} after {@code line} (null): every dead letter has both fields, the one not naming it null, so that
     * all of a pipeline's dead letters have one shape. A record whose byte is not found within the budget (a range read
     * from a copy, mapped back to its spool: {@link RecordBytes}) has neither, its reason saying so, and is a dead letter
     * of its own (each is one line of its spool). DuckDB's CSV reader
     * reports a line with too many fields once per extra field ("Expected Number of Columns: 3 Found: 4", then 5, 6,
     * ...): those make one reason, with the count of the whole line ("expected 3 fields, found 7").
     */
    private String deadLetters(Split split, LocalFiles input, String rejects, String lines, String starts, String texts)
            throws IOException {
        StringBuilder files = new StringBuilder("(VALUES ");
        List<LocalFiles.Part> parts = input.parts();
        for (int i = 0; i < parts.size(); i++) {
            LocalFiles.Part p = parts.get(i);
            boolean counted = locate.countsLines(p.shift());
            if (i > 0) files.append(", ");
            files.append('(')
                    .append(Sql.literal(p.file().toString()))
                    .append(", ")
                    .append(Sql.literal(p.key()))
                    .append(", ")
                    .append(counted ? String.valueOf(p.shift().lines()) : "NULL::BIGINT")
                    .append(", ")
                    .append(counted ? "NULL::BIGINT" : String.valueOf(rangeBase(input, p)))
                    .append(')');
        }
        files.append(") AS f(spool, key, shift, base)");
        String counts = "'Expected Number of Columns: (\\d+) Found: (\\d+)'";
        // where the record starts in its spool, null when no range is named by byte or its byte was not found in time
        String start = starts == null ? "NULL::BIGINT" : "any_value(rb.start)";
        String line = lines == null ? "e.line" : "any_value(coalesce(pl.physical, e.line))";
        return """
                SELECT %s AS split, file, line, "byte",
                       string_agg(reason, '; ' ORDER BY reason) || coalesce(any_value(unplaced), '') AS reason,
                       regexp_replace(any_value(record), '^\\n+|\\r?\\n+$', '', 'g') AS record
                FROM (
                    SELECT f.key AS file, %s + f.shift AS line, f.base + %s AS "byte", f.spool, e.line AS spool_line,
                           CASE WHEN f.base IS NOT NULL AND %s IS NULL THEN %s END AS unplaced,
                           CASE WHEN count(*) = count(nullif(regexp_extract(e.error_message, %s, 2), ''))
                                THEN e.error_type || ': expected ' || any_value(regexp_extract(e.error_message, %s, 1))
                                     || ' fields, found '
                                     || max(TRY_CAST(regexp_extract(e.error_message, %s, 2) AS BIGINT))
                                ELSE string_agg(DISTINCT e.error_type || ': ' || replace(e.error_message,
                                    'This file is not utf-8 encoded.', 'This file is not utf-8 encoded: if it is '
                                    || 'Latin-1 (ISO-8859-1), set encoding: latin-1 on the files source.'), '; ')
                                END AS reason,
                           %s AS record
                    FROM %s e JOIN %s ON f.spool = e.file_path%s%s%s
                    GROUP BY f.key, f.spool, e.line, f.shift, f.base, e.error_type
                )
                GROUP BY file, line, "byte", spool, spool_line ORDER BY file, line, "byte", spool_line
                """.formatted(
                Sql.literal(split.id()),
                line,
                start,
                start,
                Sql.literal("; not named by its byte: the bytes before it in the range were not counted within "
                        + spokenTime() + " (the split names the range)"),
                counts,
                counts,
                counts,
                texts == null ? "any_value(e.csv_line)" : "coalesce(any_value(rt.text), any_value(e.csv_line))",
                rejects,
                files,
                lines == null ? "" : " LEFT JOIN " + lines + " pl ON pl.file_path = e.file_path AND pl.line = e.line",
                starts == null ? "" : " LEFT JOIN " + starts + " rb ON rb.file_path = e.file_path AND rb.line = e.line",
                texts == null ? "" : " LEFT JOIN " + texts + " rt ON rt.file_path = e.file_path AND rt.line = e.line");
    }

    /**
     * What a byte of {@code part}'s spool adds to become the byte of the original file: where its range starts there,
     * less the header line a csv range has copied in front of its bytes.
     */
    private long rangeBase(LocalFiles input, LocalFiles.Part part) throws IOException {
        long start = part.shift().startByte();
        if (!input.format().equals("csv") || !input.header()) return start;
        long deadline = System.nanoTime() + locate.time().toNanos();
        RecordOrigins.Position second = RecordOrigins.position(part.file(), false, true, 2, deadline);
        if (second != null && part.shift() instanceof LineEnds.Copied copied)
            second = RecordOrigins.original(second, copied.original(), deadline);
        return second == null || second.headerEnd() < 0 ? start : start - second.headerEnd();
    }
}
