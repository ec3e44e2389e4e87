package io.sluice.sinks.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryError;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Dataset;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.FormatOptions;
import com.google.cloud.bigquery.Job;
import com.google.cloud.bigquery.JobId;
import com.google.cloud.bigquery.JobInfo;
import com.google.cloud.bigquery.JobStatus;
import com.google.cloud.bigquery.QueryJobConfiguration;
import com.google.cloud.bigquery.QueryParameterValue;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.Table;
import com.google.cloud.bigquery.TableDataWriteChannel;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import com.google.cloud.bigquery.WriteChannelConfiguration;
import io.sluice.config.DuckConnections;
import io.sluice.config.Options;
import io.sluice.config.Validator;
import io.sluice.gcp.bigquery.BigQueryAccess;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.Digests;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.Sql;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.ColumnCheck;
import io.sluice.spi.sink.CommitContext;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.OutputLocks;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A BigQuery table. Exactly once per split (contract rules 2 and 3), in two steps:
 *
 * <ol>
 *   <li>the staged Parquet goes up through a resumable upload as a load job into a staging table of the split's
 *       attempt; the job's id is made of the pipeline, table, split id, ledger incarnation and the claim's fencing
 *       token, so BigQuery itself refuses a second load of one attempt (a duplicate, HTTP 409, is looked up: done
 *       without error, its staging table is used);
 *   <li>one multi-statement transaction, whose job id is made the same way (a duplicate that succeeded is the commit
 *       already made), refuses a token lower than the split's token recorded in {@code _sluice_commits} and, for a
 *       versioned output, a lock token lower than the one recorded in {@code _sluice_outputs}, each when recorded
 *       under the same ledger incarnation (tokens start over in a new ledger); deletes the rows the
 *       split (and the other versions of its output, not its siblings: {@link OutputKey#sibling}) committed before
 *       (every row carries its split in {@code _sluice_split}); inserts or merges the staged rows; and records the
 *       split with its token and its output's version and range.
 * </ol>
 *
 * BigQuery aborts one of two transactions that change one table at once; the loser is tried again here. A crash
 * before the transaction leaves a staging table no reader looks at, which expires after a day.
 */
final class BigQuerySink implements Sink {
    static final String SPLIT_COLUMN = "_sluice_split";
    static final String ROW_COLUMN = "_sluice_row";
    static final String COMMITS = "_sluice_commits";
    static final String OUTPUTS = "_sluice_outputs";
    static final String DEAD_LETTER = "_sluice_dead_letter";
    /**
     * The column of {@link #DEAD_LETTER} holding the byte where a bad record starts in its file, for a record of a byte
     * range whose lines are not counted (its line NULL); NULL for the others, as in every bad record the reader gives.
     */
    static final String BYTE = "byte";

    static final String STAGING = "_sluice_stage_";
    /**
     * The columns of {@link #COMMITS} holding the version and byte range of the output the split committed
     * ({@link OutputKey}): a commit removes the other versions' rows and keeps its siblings' (ranges of its version).
     */
    static final String OUTPUT_VERSION = "output_version";

    static final String OUTPUT_START = "output_start";
    static final String OUTPUT_END = "output_end";

    static final String STALE_CLAIM = "sluice-stale-claim";
    static final String STALE_LOCK = "sluice-stale-output-lock";
    /**
     * The commit records that make a claim stale: a higher token of the same ledger incarnation. Tokens start over in a
     * new ledger (a reset, a lost ledger, every run of the memory ledger), so a higher token of another incarnation says
     * nothing of this claim, and refusing it would refuse the split at every retry. Replacing the other incarnation's
     * commit is safe: the claim's fence check comes right before the transaction, and a worker of the forgotten
     * incarnation must pass its own against the ledger it claimed in, whose claim the reset (or the loss) ended.
     */
    private static final String NEWER_CLAIM = "token > @token AND incarnation IS NOT DISTINCT FROM @incarnation";
    /**
     * The same for an output's lock: a higher grant of the same incarnation (a record of an earlier Sluice, without
     * one, counts as another incarnation's).
     */
    private static final String NEWER_LOCK = "lock_token > @lock AND incarnation IS NOT DISTINCT FROM @incarnation";
    /** Tries of a commit BigQuery aborts for a concurrent one; the runner retries the split after that. */
    private static final int COMMIT_ROUNDS = 8;

    private final BigQueryAccess access;
    private final TableId table;
    private final String mode;
    private final List<String> keys;
    private final Options options;
    private final PipelineContext context;
    private BigQuery client;
    /**
     * The target's fields once checked or created, by name in any case ({@link #byName}). Kept for the worker's life;
     * read again when a commit fails and the table is gone or no longer has them ({@link #changed}).
     */
    private volatile Map<String, Field> fields;

    BigQuerySink(
            BigQueryAccess access,
            TableId table,
            String mode,
            List<String> keys,
            Options options,
            PipelineContext context) {
        this.access = access;
        this.table = table;
        this.mode = mode;
        this.keys = List.copyOf(keys);
        this.options = options;
        this.context = context;
    }

    private synchronized BigQuery bq() throws IOException {
        if (client == null) client = access.client();
        return client;
    }

    private String name() {
        return table.getProject() + "." + table.getDataset() + "." + table.getTable();
    }

    private TableId sibling(String name) {
        return TableId.of(table.getProject(), table.getDataset(), name);
    }

    private static String quoted(TableId t) {
        return "`" + t.getProject() + "." + t.getDataset() + "." + t.getTable() + "`";
    }

    private static String col(String name) {
        return "`" + name + "`";
    }

    /**
     * A map keyed by column name as BigQuery compares column names: without case ("Column names are
     * case-insensitive", https://cloud.google.com/bigquery/docs/schemas#column_names), so that an output's {@code ID}
     * is a table's {@code id}.
     */
    private static <V> Map<String, V> byName() {
        return new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    }

    /** Whether {@code names} holds {@code column} in any case, as BigQuery matches column names. */
    private static boolean has(List<String> names, String column) {
        return names.stream().anyMatch(column::equalsIgnoreCase);
    }

    // ---- checks --------------------------------------------------------------------------------------------

    /** The dataset exists and the credentials may read it; an existing table has the keys. Changes nothing. */
    @Override
    public void check() throws IOException {
        try {
            Dataset d = bq().getDataset(com.google.cloud.bigquery.DatasetId.of(table.getProject(), table.getDataset()));
            if (d == null) {
                throw options.problem(
                        BigQuerySinkFactory.DATASET,
                        "no dataset " + table.getProject() + ":" + table.getDataset() + " (or not visible to "
                                + access.credentialSource() + "); create it: bq mk --dataset"
                                + (access.location() == null ? "" : " --location=" + access.location()) + " "
                                + table.getProject() + ":" + table.getDataset());
            }
            Table t = bq().getTable(table);
            if (t != null) {
                List<String> names = columns(t);
                for (String key : keys) {
                    if (names.isEmpty()) {
                        // made without a schema: the first split's load does not add the output's columns either
                        throw options.problem(
                                BigQuerySinkFactory.KEYS,
                                "no column \"" + key + "\" in table " + name() + ": it has no columns yet (it was "
                                        + "made without a schema); add the output's columns, the keys among them "
                                        + "(ALTER TABLE " + quoted(table) + " ADD COLUMN " + col(key) + " <type>), or "
                                        + "drop the table (bq rm -t " + table.getProject() + ":" + table.getDataset()
                                        + "." + table.getTable() + ") so that the first split creates it with the "
                                        + "output's columns");
                    }
                    if (!has(names, key)) {
                        throw options.problem(
                                BigQuerySinkFactory.KEYS,
                                "no column \"" + key + "\" in table " + name() + Validator.suggestion(key, names)
                                        + "; its columns: " + String.join(", ", names));
                    }
                }
            }
        } catch (BigQueryException e) {
            throw options.problem(BigQuerySinkFactory.DATASET, access.explain("cannot reach " + name(), e));
        }
    }

    private static List<String> columns(Table t) {
        return fields(t).stream().map(Field::getName).toList();
    }

    /** A table's fields; none for one made without a schema (BigQuery allows it, and its tables.get has none). */
    private static List<Field> fields(Table t) {
        Schema schema = t.getDefinition().getSchema();
        return schema == null ? List.of() : schema.getFields();
    }

    /** Each key must be a column of the rows the steps give, in any case (BigQuery's names ignore it). */
    @Override
    public Optional<ColumnCheck> columnCheck() {
        return ColumnCheck.eachOf(keys, true, options, BigQuerySinkFactory.KEYS.name());
    }

    /** Creates the bookkeeping tables beside the target, when missing. */
    @Override
    public void prepare() throws IOException {
        try {
            ensure(
                    COMMITS,
                    Schema.of(
                            text("pipeline"),
                            text("target"),
                            text("split_id"),
                            int64("token"),
                            text("output_key"),
                            text("incarnation"),
                            Field.of("committed_at", StandardSQLTypeName.TIMESTAMP),
                            int64("row_count"),
                            text(OUTPUT_VERSION),
                            int64(OUTPUT_START),
                            int64(OUTPUT_END)));
            ensure(
                    OUTPUTS,
                    Schema.of(
                            text("pipeline"),
                            text("target"),
                            text("output_key"),
                            int64("lock_token"),
                            text("incarnation")));
            ensure(
                    DEAD_LETTER,
                    Schema.of(
                            text("pipeline"),
                            text("target"),
                            text("split_id"),
                            text("file"),
                            int64("line"),
                            int64(BYTE),
                            text("reason"),
                            text("record"),
                            Field.of("failed_at", StandardSQLTypeName.TIMESTAMP)));
        } catch (BigQueryException e) {
            throw new IOException(
                    access.explain("cannot create Sluice's bookkeeping tables in " + table.getDataset(), e), e);
        }
    }

    private static Field text(String name) {
        return Field.of(name, StandardSQLTypeName.STRING);
    }

    private static Field int64(String name) {
        return Field.of(name, StandardSQLTypeName.INT64);
    }

    /** Creates the table, or adds the fields an earlier Sluice's table lacks (all NULLABLE, so its rows stay). */
    private void ensure(String name, Schema schema) throws IOException {
        TableId id = sibling(name);
        Table existing = bq().getTable(id);
        if (existing == null) {
            try {
                bq().create(TableInfo.of(id, StandardTableDefinition.of(schema)));
                return;
            } catch (BigQueryException e) {
                if (e.getCode() != 409) throw e; // made by another worker meanwhile
            }
            existing = bq().getTable(id);
            if (existing == null)
                throw new IOException("the table " + id.getTable() + " was dropped while Sluice made it");
        }
        List<String> names = columns(existing);
        List<Field> missing = schema.getFields().stream()
                .filter(f -> !has(names, f.getName()))
                .toList();
        if (missing.isEmpty()) return;
        List<Field> have = new ArrayList<>(fields(existing));
        have.addAll(missing);
        try {
            bq().update(existing.toBuilder()
                    .setDefinition(StandardTableDefinition.of(Schema.of(have)))
                    .build());
        } catch (BigQueryException e) {
            // another worker may have added them meanwhile: fine when they are all there now
            Table now = bq().getTable(id);
            if (now == null) throw e;
            List<String> fields = columns(now);
            if (!missing.stream().allMatch(f -> has(fields, f.getName()))) throw e;
        }
    }

    /**
     * The target's fields, by name in any case: created from the output's columns when the table is missing;
     * {@code _sluice_split} added when it lacks it; fails naming a column of the output the table lacks.
     */
    private Map<String, Field> target(List<String> columns, List<Field> wanted) throws IOException, AttemptFailure {
        Map<String, Field> cached = fields;
        if (cached != null && cached.keySet().containsAll(columns)) return cached;
        Table t = bq().getTable(table);
        if (t == null) {
            List<Field> all = new ArrayList<>(wanted);
            all.add(text(SPLIT_COLUMN));
            try {
                bq().create(TableInfo.of(table, StandardTableDefinition.of(Schema.of(all))));
            } catch (BigQueryException e) {
                if (e.getCode() != 409) throw e;
            }
            t = bq().getTable(table);
            if (t == null) throw new IOException("the table " + name() + " was dropped while it was being created");
        }
        Map<String, Field> known = byName();
        for (Field f : fields(t)) known.put(f.getName(), f);
        List<String> missing =
                columns.stream().filter(c -> !known.containsKey(c)).toList();
        if (!missing.isEmpty()) {
            // the same rows fail the same way at every attempt: the split is dead at once, not retried
            String first = missing.getFirst();
            throw new AttemptFailure(
                    "the output has column(s) " + String.join(", ", missing) + " that table " + name()
                            + " lacks ("
                            + (known.isEmpty() ? "it has no columns" : "its columns: " + String.join(", ", columns(t)))
                            + "); add them (ALTER TABLE "
                            + quoted(table) + " ADD COLUMN " + col(first) + " "
                            + BigQueryTypes.castType(wanted.get(columns.indexOf(first)))
                            + ") or leave them out in a step",
                    false);
        }
        if (!known.containsKey(SPLIT_COLUMN)) {
            List<Field> all = new ArrayList<>(fields(t));
            all.add(text(SPLIT_COLUMN));
            bq().update(t.toBuilder()
                    .setDefinition(StandardTableDefinition.of(Schema.of(all)))
                    .build());
            known.put(SPLIT_COLUMN, text(SPLIT_COLUMN));
        }
        fields = known;
        return known;
    }

    /**
     * Whether the table is gone or its columns are not {@code known} (names and types): dropped, replaced or altered
     * since this worker read it. A table that cannot be read counts as unchanged: the commit's own error stands.
     */
    private boolean changed(Map<String, Field> known) throws IOException {
        Table t;
        try {
            t = bq().getTable(table);
        } catch (BigQueryException e) {
            return false;
        }
        if (t == null) return true;
        List<Field> now = fields(t);
        if (now.size() != known.size()) return true;
        for (Field f : now) {
            Field had = known.get(f.getName());
            if (had == null || had.getType().getStandardType() != f.getType().getStandardType()) return true;
        }
        return false;
    }

    // ---- writing -------------------------------------------------------------------------------------------

    @Override
    public SinkWriter open(Split split, WriteContext context) {
        return new Writer(split, context.scratch());
    }

    private String lockName(String outputKey) {
        return "bigquery-output:" + name() + ":" + outputKey;
    }

    /**
     * The part of every job and staging table name that belongs to one attempt: a hash of pipeline, table, split and
     * ledger incarnation, then the claim's token. Tokens start over in a new ledger (a lost SQLite file, another
     * ledger, each run of the memory ledger), so without the incarnation an attempt would take a job id an earlier
     * ledger's attempt used: BigQuery refuses it (HTTP 409), the client hands back that earlier job, and its commit
     * would count as this one's, the new rows never loaded. No token (0): a name of its own.
     */
    private String attempt(Split split, CommitContext ctx) {
        String incarnation = ctx.incarnation() == null ? "" : ctx.incarnation();
        return hash(context.pipeline() + "\0" + name() + "\0" + split.id() + "\0" + incarnation) + "_"
                + (ctx.token() > 0
                        ? "t" + ctx.token()
                        : "x" + UUID.randomUUID().toString().replace("-", ""));
    }

    /**
     * One attempt. {@link #stage} writes the rows as a local Parquet file (no reader sees it) in the attempt's scratch
     * folder; {@link #commit} loads it into a staging table and runs the transaction.
     */
    private final class Writer implements SinkWriter {
        private final Split split;
        /** The attempt's scratch folder: the framework removes it, even after a kill, where a temp file would stay. */
        private final Path folder;

        private Path parquet;
        private Path dead;

        private List<String> columns;
        private List<Field> wanted;
        private long staged;
        private final List<TableId> stagingTables = new ArrayList<>();

        Writer(Split split, Path folder) {
            this.split = split;
            this.folder = folder;
        }

        @Override
        public long stage(Rows rows, BadRows bad) throws Exception {
            columns = rows.columns();
            Map<String, String> seen = byName();
            for (String c : columns) {
                String same = seen.putIfAbsent(c, c);
                if (same != null) { // BigQuery would refuse the table, or the load, for them
                    throw new AttemptFailure(
                            "the records have the columns " + same + " and " + c + ", which BigQuery takes for one "
                                    + "column (its column names ignore case); rename one in a step",
                            false);
                }
            }
            if (seen.containsKey(SPLIT_COLUMN) || seen.containsKey(ROW_COLUMN)) {
                throw new AttemptFailure(
                        "the records have a column " + SPLIT_COLUMN + " or " + ROW_COLUMN
                                + " (in some case), which the bigquery sink keeps for itself; rename it in a step",
                        false);
            }
            List<String> types = rows.columnTypes();
            wanted = new ArrayList<>();
            try {
                for (int i = 0; i < columns.size(); i++) wanted.add(BigQueryTypes.field(columns.get(i), types.get(i)));
            } catch (IllegalArgumentException refused) { // a type BigQuery lacks: refused alike at every attempt
                throw new AttemptFailure(refused.getMessage(), false);
            }
            Path written = folder.resolve("rows.parquet");
            staged = rows.writeFiles(written, FileSpec.parquet("rows"));
            // no columns (Rows.NONE, a split of empty files): no file, and the commit only replaces earlier output
            parquet = mode.equals("merge") && !columns.isEmpty() ? numbered(written) : written;
            Optional<Rows> rejects = bad.rows();
            if (rejects.isPresent()) {
                dead = folder.resolve("dead.parquet");
                rejects.get().writeFiles(dead, FileSpec.parquet("dead"));
            }
            return staged;
        }

        /** The rows with their position in the split, so that a merge keeps a key's last row. */
        private Path numbered(Path file) throws SQLException {
            Path out = folder.resolve("numbered.parquet");
            try (Connection duck = DuckConnections.open();
                    Statement s = duck.createStatement()) {
                s.execute("COPY (SELECT * EXCLUDE (file_row_number), file_row_number AS " + ROW_COLUMN
                        + " FROM read_parquet(" + Sql.literal(file.toString()) + ", file_row_number = true)) TO "
                        + Sql.literal(out.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
            }
            return out;
        }

        @Override
        public Written commit(CommitContext ctx) throws Exception {
            if (parquet == null) throw new IllegalStateException("split " + split.id() + " has nothing staged");
            OutputKey key = split.outputKey();
            try (OutputLocks.Held held = key == null ? null : ctx.lock(lockName(key.key()))) {
                if (held != null && !ctx.inputsCurrent()) return Written.NOTHING;
                ctx.checkFence();
                // rows without columns make no table; without a table there is no earlier output to replace
                if (columns.isEmpty() && fields == null && bq().getTable(table) == null)
                    return new Written(0, List.of());
                Map<String, Field> target = target(columns, wanted);
                // the attempt's names: fixed by split, incarnation and token, so a second load or commit is refused
                String attempt = attempt(split, ctx);
                TableId rowsTable = columns.isEmpty() ? null : sibling(STAGING + attempt);
                if (rowsTable != null) load(rowsTable, parquet, "sluice_" + attempt + "_load");
                TableId deadTable = null;
                if (dead != null) {
                    deadTable = sibling(STAGING + attempt + "_dead");
                    load(deadTable, dead, "sluice_" + attempt + "_dead");
                }
                ctx.checkFence();
                if (held != null) held.check();
                Map<String, QueryParameterValue> params = new LinkedHashMap<>();
                params.put("pipeline", QueryParameterValue.string(context.pipeline()));
                params.put("target", QueryParameterValue.string(name()));
                params.put("split", QueryParameterValue.string(split.id()));
                params.put("token", QueryParameterValue.int64(ctx.token()));
                params.put("key", QueryParameterValue.string(key == null ? null : key.key()));
                params.put("lock", QueryParameterValue.int64(held == null ? 0L : held.token()));
                params.put("out_version", QueryParameterValue.string(key == null ? null : key.version()));
                params.put("out_start", QueryParameterValue.int64(key == null ? null : key.start()));
                params.put("out_end", QueryParameterValue.int64(key == null ? null : key.end()));
                params.put("incarnation", QueryParameterValue.string(ctx.incarnation()));
                params.put("rows", QueryParameterValue.int64(staged));
                params.put("now", QueryParameterValue.timestamp(Instant.now().toEpochMilli() * 1000));
                for (boolean reread = false; ; reread = true) {
                    // a failed job's id is taken: the commit after a reread has its own
                    String job = "sluice_" + attempt + "_commit" + (reread ? "_reread" : "");
                    try {
                        run(script(target, columns, rowsTable, deadTable, key != null), params, job, ctx.token());
                        return new Written(staged, List.of(name()));
                    } catch (IOException refused) {
                        if (reread || !changed(target)) throw refused;
                    }
                    // dropped or altered since this worker read it: read it again (made anew where it is missing)
                    fields = null;
                    if (columns.isEmpty() && bq().getTable(table) == null) return new Written(0, List.of());
                    target = target(columns, wanted);
                    ctx.checkFence();
                    if (held != null) held.check();
                }
            } finally {
                abort();
            }
        }

        /**
         * Loads a Parquet file into a fresh staging table, as a load job of the given id; a job of that id made
         * before (this attempt's, HTTP 409) is waited for and used when it succeeded.
         */
        private void load(TableId into, Path file, String jobName) throws IOException, InterruptedException {
            stagingTables.add(into);
            stagingTable(into);
            JobId jobId = JobId.newBuilder()
                    .setJob(jobName)
                    .setLocation(access.location())
                    .build();
            WriteChannelConfiguration config = WriteChannelConfiguration.newBuilder(into)
                    .setFormatOptions(FormatOptions.parquet())
                    .setDecimalTargetTypes(List.of("NUMERIC", "BIGNUMERIC", "STRING"))
                    .setWriteDisposition(JobInfo.WriteDisposition.WRITE_TRUNCATE)
                    .setCreateDisposition(JobInfo.CreateDisposition.CREATE_IF_NEEDED)
                    .build();
            Job job;
            try {
                TableDataWriteChannel writer = bq().writer(jobId, config);
                try (OutputStream out = Channels.newOutputStream(writer)) {
                    Files.copy(file, out);
                }
                job = writer.getJob();
            } catch (BigQueryException e) {
                if (e.getCode() != 409) {
                    throw new IOException(
                            access.explain("cannot load split " + split.id() + " into " + into.getTable(), e), e);
                }
                job = bq().getJob(jobId); // loaded by this attempt already
            }
            if (job == null) throw new IOException("the load job " + jobName + " of split " + split.id() + " is gone");
            job = job.waitFor();
            if (job == null) throw new IOException("the load job " + jobName + " of split " + split.id() + " is gone");
            failed(job).ifPresent(error -> {
                throw new IllegalStateException(
                        "BigQuery refused to load split " + split.id() + " (job " + jobName + "): " + error);
            });
        }

        /**
         * Makes a staging table, without a schema (the load gives it the Parquet file's), that expires in a day: one
         * that a killed worker leaves behind (its load job still running, or done before the commit) goes by itself,
         * and no later attempt takes its name (it holds the token). Set when the table is made, not after the load:
         * a load that overwrites a table (WRITE_TRUNCATE) keeps its expiration time (BigQuery's reference,
         * https://cloud.google.com/bigquery/docs/reference/rest/v2/Job#DestinationTableProperties: "For an existing
         * table, no change is made to the table's expiration time"), where a table the load job made had none.
         */
        private void stagingTable(TableId id) throws IOException {
            try {
                bq().create(TableInfo.newBuilder(
                                id, StandardTableDefinition.newBuilder().build())
                        .setExpirationTime(
                                Instant.now().plus(Duration.ofDays(1)).toEpochMilli())
                        .build());
            } catch (BigQueryException e) {
                if (e.getCode() != 409) { // 409: made by this attempt's earlier try
                    throw new IOException(
                            access.explain(
                                    "cannot make the staging table " + id.getTable() + " of split " + split.id(), e),
                            e);
                }
            }
        }

        @Override
        public void abort() {
            for (TableId t : stagingTables) {
                try {
                    bq().delete(t);
                } catch (IOException | BigQueryException e) {
                    // it expires within a day; no reader looks at it
                }
            }
            stagingTables.clear();
            removeFiles();
        }

        /** Frees the disk at once; the folder itself goes with the attempt. */
        private void removeFiles() {
            try (var files = Files.list(folder)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            } catch (IOException e) {
                // removed with the attempt's scratch folder
            }
            parquet = null;
            dead = null;
        }

        @Override
        public void close() {
            abort();
        }
    }

    /** The commit's multi-statement transaction (parameters: see {@link Writer#commit}). */
    private String script(
            Map<String, Field> target, List<String> staged, TableId rows, TableId dead, boolean versioned) {
        String t = quoted(table);
        String commits = quoted(sibling(COMMITS));
        String outputs = quoted(sibling(OUTPUTS));
        String mine = "pipeline = @pipeline AND target = @target";
        List<String> s = new ArrayList<>();
        s.add("SELECT ERROR(CONCAT('" + STALE_CLAIM + ": split ', split_id, ' was committed under a newer claim "
                + "(token ', CAST(token AS STRING), ')')) FROM " + commits + " WHERE " + mine
                + " AND split_id = @split AND " + NEWER_CLAIM);
        if (versioned) {
            s.add("SELECT ERROR(CONCAT('" + STALE_LOCK + ": output ', output_key, ' was committed under a newer lock "
                    + "(token ', CAST(lock_token AS STRING), ')')) FROM " + outputs + " WHERE " + mine
                    + " AND output_key = @key AND " + NEWER_LOCK);
        }
        // the splits that committed other versions of the output: not its siblings (OutputKey.sibling), and every
        // record without a version (an earlier Sluice kept none), whose rows never stay beside a new version's
        String others = "output_key = @key AND NOT (" + OUTPUT_VERSION + " IS NOT NULL AND " + OUTPUT_START
                + " IS NOT NULL AND " + OUTPUT_END + " IS NOT NULL AND " + OUTPUT_VERSION
                + " = @out_version AND ((@out_end"
                + " <> " + Member.WHOLE + " AND @out_end <= " + OUTPUT_START + ") OR (" + OUTPUT_END + " <> "
                + Member.WHOLE + " AND " + OUTPUT_END + " <= @out_start)))";
        s.add("DELETE FROM " + t + " WHERE " + col(SPLIT_COLUMN) + " = @split"
                + (versioned
                        ? " OR " + col(SPLIT_COLUMN) + " IN (SELECT split_id FROM " + commits + " WHERE " + mine
                                + " AND " + others + ")"
                        : ""));
        s.add("DELETE FROM " + commits + " WHERE " + mine + " AND (split_id = @split"
                + (versioned ? " OR " + others : "") + ")");
        if (versioned) {
            s.add("DELETE FROM " + outputs + " WHERE " + mine + " AND output_key = @key");
            s.add("INSERT INTO " + outputs
                    + " (pipeline, target, output_key, lock_token, incarnation) VALUES (@pipeline, "
                    + "@target, @key, @lock, @incarnation)");
        }
        if (rows != null) s.add(write(target, staged, rows));
        s.add("INSERT INTO " + commits + " (pipeline, target, split_id, token, output_key, incarnation, committed_at, "
                + "row_count, " + OUTPUT_VERSION + ", " + OUTPUT_START + ", " + OUTPUT_END + ") VALUES (@pipeline, "
                + "@target, @split, @token, @key, @incarnation, @now, @rows, @out_version, @out_start, @out_end)");
        s.add("DELETE FROM " + quoted(sibling(DEAD_LETTER)) + " WHERE " + mine + " AND split_id = @split");
        if (dead != null) {
            s.add("INSERT INTO " + quoted(sibling(DEAD_LETTER)) + " (pipeline, target, split_id, file, line, "
                    + col(BYTE) + ", reason, record, failed_at) SELECT @pipeline, @target, @split, "
                    + "CAST(d.file AS STRING), CAST(d.line AS INT64), CAST(d." + col(BYTE) + " AS INT64)"
                    + ", CAST(d.reason AS STRING), CAST(d.record AS STRING), @now FROM " + quoted(dead) + " d");
        }
        return transaction(s);
    }

    /** One transaction; BigQuery's own pattern, so that an error rolls it back and fails the job with its message. */
    private static String transaction(List<String> statements) {
        return "BEGIN\nBEGIN TRANSACTION;\n" + String.join(";\n", statements) + ";\nCOMMIT TRANSACTION;\n"
                + "EXCEPTION WHEN ERROR THEN\nROLLBACK TRANSACTION;\nRAISE USING MESSAGE = @@error.message;\nEND;";
    }

    /**
     * The statement that writes the staged rows (the table's other columns stay NULL): an INSERT, or a MERGE on the
     * keys in which a key's last row in the split wins. A row with a NULL key matches no row, in the split or in the
     * table (the MERGE's {@code =} is not true for NULL): each is inserted, as the jdbc sink does, where the window's
     * PARTITION BY alone would put a split's NULL keys together and keep only one of those rows.
     */
    private String write(Map<String, Field> target, List<String> names, TableId rows) {
        List<String> select = new ArrayList<>();
        for (String c : names) {
            select.add("CAST(x." + col(c) + " AS " + BigQueryTypes.castType(target.get(c)) + ") AS " + col(c));
        }
        String into =
                names.stream().map(BigQuerySink::col).collect(Collectors.joining(", ")) + ", " + col(SPLIT_COLUMN);
        if (mode.equals("append")) {
            return "INSERT INTO " + quoted(table) + " (" + into + ") SELECT " + String.join(", ", select)
                    + ", @split FROM " + quoted(rows) + " x";
        }
        String partition = keys.stream().map(k -> "x." + col(k)).collect(Collectors.joining(", "));
        String nullKey = keys.stream().map(k -> " OR x." + col(k) + " IS NULL").collect(Collectors.joining());
        String source = "SELECT " + String.join(", ", select) + " FROM " + quoted(rows) + " x WHERE TRUE QUALIFY "
                + "ROW_NUMBER() OVER (PARTITION BY " + partition + " ORDER BY x." + col(ROW_COLUMN) + " DESC) = 1"
                + nullKey;
        String on = keys.stream().map(k -> "t." + col(k) + " = s." + col(k)).collect(Collectors.joining(" AND "));
        String set = names.stream().map(c -> col(c) + " = s." + col(c)).collect(Collectors.joining(", ")) + ", "
                + col(SPLIT_COLUMN) + " = @split";
        String values = names.stream().map(c -> "s." + col(c)).collect(Collectors.joining(", ")) + ", @split";
        return "MERGE INTO " + quoted(table) + " t USING (" + source + ") s ON " + on + " WHEN MATCHED THEN UPDATE SET "
                + set + " WHEN NOT MATCHED THEN INSERT (" + into + ") VALUES (" + values + ")";
    }

    /**
     * Runs a script as a query job of the given id; a job of that id made before (this attempt's commit: the client
     * returns it for HTTP 409) counts as this commit when it succeeded. A transaction aborted by a concurrent one is
     * run again under a new id.
     */
    private void run(String script, Map<String, QueryParameterValue> params, String jobName, long token)
            throws IOException, InterruptedException, StaleClaimException {
        for (int round = 1; ; round++) {
            String id = round == 1 ? jobName : jobName + "_r" + round;
            QueryJobConfiguration config = QueryJobConfiguration.newBuilder(script)
                    .setUseLegacySql(false)
                    .setNamedParameters(params)
                    .build();
            JobId jobId =
                    JobId.newBuilder().setJob(id).setLocation(access.location()).build();
            Optional<String> error;
            try {
                Job job = bq().create(JobInfo.of(jobId, config));
                error = finished(job, jobId);
            } catch (BigQueryException e) {
                error = Optional.of(BigQueryAccess.message(e));
                if (e.getCode() == 403 || e.getCode() == 404 || e.getCode() == 401) {
                    throw new IOException(access.explain("cannot commit to " + name(), e), e);
                }
            }
            if (error.isEmpty()) return;
            String message = error.get();
            if (message.contains(STALE_CLAIM)) throw new StaleClaimException(splitOf(params), token);
            if (message.contains(STALE_LOCK)) {
                throw new IOException("the lock of output " + params.get("key").getValue() + " was taken over while "
                        + "this writer was paused, and a newer grant committed (another version, or another range of "
                        + "this one): this attempt of split " + splitOf(params) + " writes nothing, and the split is "
                        + "tried again (" + message + ")");
            }
            if (round < COMMIT_ROUNDS
                    && message.toLowerCase(java.util.Locale.ROOT).contains("concurrent update")) {
                // at random within a growing window: commits that collided once should not collide again
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(100, 300) * round);
                continue;
            }
            throw new IOException("BigQuery refused the commit of split " + splitOf(params) + " to " + name() + " (job "
                    + id + "): " + message);
        }
    }

    private static String splitOf(Map<String, QueryParameterValue> params) {
        return params.get("split").getValue();
    }

    /** Waits for a job; its error, if it failed. */
    private Optional<String> finished(Job job, JobId id) throws IOException, InterruptedException {
        Job done;
        try {
            done = job.waitFor();
        } catch (BigQueryException e) {
            // a failed query job is reported by getQueryResults as an error; its status says the same. A job that
            // finished without error ran, whatever the call for its results answered (a lost answer, a 5xx)
            done = bq().getJob(id);
            if (done == null || !completed(done)) return Optional.of(BigQueryAccess.message(e));
        }
        if (done == null) throw new IOException("the job " + id.getJob() + " is gone");
        return failed(done);
    }

    private static boolean completed(Job job) {
        return job.getStatus() != null && job.getStatus().getState() == JobStatus.State.DONE;
    }

    private static Optional<String> failed(Job job) {
        JobStatus status = job.getStatus();
        if (status == null || status.getError() == null) return Optional.empty();
        BigQueryError e = status.getError();
        return Optional.of(e.getMessage() == null ? e.getReason() : e.getMessage());
    }

    // ---- discard and reset ---------------------------------------------------------------------------------

    /** Removes the rows the split committed and its record, under the same checks as a commit. */
    @Override
    public void discard(Split split, CommitContext ctx) throws Exception {
        ctx.checkFence();
        if (bq().getTable(sibling(COMMITS)) == null) return;
        Table t = bq().getTable(table);
        List<String> s = new ArrayList<>();
        s.add("SELECT ERROR(CONCAT('" + STALE_CLAIM + ": split ', split_id, ' was committed under a newer claim')) "
                + "FROM " + quoted(sibling(COMMITS)) + " WHERE pipeline = @pipeline AND target = @target AND split_id "
                + "= @split AND " + NEWER_CLAIM);
        if (t != null && has(columns(t), SPLIT_COLUMN)) {
            s.add("DELETE FROM " + quoted(table) + " WHERE " + col(SPLIT_COLUMN) + " = @split");
        }
        s.add("DELETE FROM " + quoted(sibling(COMMITS)) + " WHERE pipeline = @pipeline AND target = @target AND "
                + "split_id = @split");
        Map<String, QueryParameterValue> params = new LinkedHashMap<>();
        params.put("pipeline", QueryParameterValue.string(context.pipeline()));
        params.put("target", QueryParameterValue.string(name()));
        params.put("split", QueryParameterValue.string(split.id()));
        params.put("token", QueryParameterValue.int64(ctx.token()));
        params.put("incarnation", QueryParameterValue.string(ctx.incarnation()));
        run(transaction(s), params, "sluice_" + attempt(split, ctx) + "_discard", ctx.token());
    }

    /** The table, when this pipeline committed rows to it. */
    @Override
    public List<String> listOutput() throws Exception {
        if (bq().getTable(sibling(COMMITS)) == null) return List.of();
        long splits = count("SELECT COUNT(*) FROM " + quoted(sibling(COMMITS))
                + " WHERE pipeline = @pipeline AND target = @target");
        return splits == 0 ? List.of() : List.of(name() + " (rows of " + splits + " split(s))");
    }

    /** Removes the rows this pipeline's splits wrote, and its commit records and dead letters; the table stays. */
    @Override
    public List<String> deleteOutput() throws Exception {
        List<String> listed = listOutput();
        if (listed.isEmpty() && bq().getTable(sibling(COMMITS)) == null) return listed;
        String mine = " WHERE pipeline = @pipeline AND target = @target";
        List<String> s = new ArrayList<>();
        Table t = bq().getTable(table);
        if (t != null && has(columns(t), SPLIT_COLUMN)) {
            s.add("DELETE FROM " + quoted(table) + " WHERE " + col(SPLIT_COLUMN) + " IN (SELECT split_id FROM "
                    + quoted(sibling(COMMITS)) + mine + ")");
        }
        s.add("DELETE FROM " + quoted(sibling(COMMITS)) + mine);
        s.add("DELETE FROM " + quoted(sibling(OUTPUTS)) + mine);
        s.add("DELETE FROM " + quoted(sibling(DEAD_LETTER)) + mine);
        Map<String, QueryParameterValue> params = new LinkedHashMap<>();
        params.put("pipeline", QueryParameterValue.string(context.pipeline()));
        params.put("target", QueryParameterValue.string(name()));
        params.put("split", QueryParameterValue.string(""));
        run(
                transaction(s),
                params,
                "sluice_reset_" + UUID.randomUUID().toString().replace("-", ""),
                0);
        return listed;
    }

    private long count(String sql) throws IOException, InterruptedException {
        Map<String, QueryParameterValue> params = Map.of(
                "pipeline", QueryParameterValue.string(context.pipeline()),
                "target", QueryParameterValue.string(name()));
        try {
            for (FieldValueList row : access.query(bq(), sql, params, 1).iterateAll())
                return row.get(0).getLongValue();
            return 0;
        } catch (BigQueryException e) {
            throw new IOException(access.explain("cannot read Sluice's commit records beside " + name(), e), e);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    static String hash(String s) {
        return Digests.sha256Hex(s, 24);
    }
}
