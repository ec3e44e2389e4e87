package io.sluice.sources.bigquery;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.BigQueryException;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.FieldValue;
import com.google.cloud.bigquery.FieldValueList;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.TableResult;
import io.sluice.config.Options;
import io.sluice.gcp.bigquery.BigQueryAccess;
import io.sluice.spi.Digests;
import io.sluice.spi.KnownMember;
import io.sluice.spi.Member;
import io.sluice.spi.Split;
import io.sluice.spi.source.EarlierDefinition;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Skipped;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The result of a query, read once per ledger as one split (its id: a hash of project and query; its payload the
 * query). An edited query stops the plan until the user chooses ({@link #refuseChangedQuery}). The query runs as a
 * query job when the split is read; its rows come through the REST API's {@code getQueryResults} and
 * {@code tabledata.list} pages and are spooled as typed CSV (NULL an unquoted empty field, text quoted), as the jdbc
 * source hands rows over.
 */
final class BigQuerySource implements Source {
    private static final int SAMPLE_ROWS = 100;
    private static final DateTimeFormatter INSTANT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    /** This source's split ids: the member key (a hash of project and query), then the whole result. */
    static final Pattern SPLIT_ID = Pattern.compile("(bigquery@[0-9a-f]{12})#all");
    /** How much of an earlier query a message quotes. */
    private static final int QUOTED = 200;

    private final BigQueryAccess access;
    private final String query;
    private final int pageSize;
    private final String key;
    /** The source's block as written, for a refusal at the query's line. */
    private final Options options;
    /** {@code after_change: add}: an edited query is new work read beside the earlier output, not refused. */
    private final boolean addAfterChange;
    /** The pipeline's file, for the commands a refusal suggests. */
    private final String pipelineFile;

    private BigQuery client;

    BigQuerySource(
            BigQueryAccess access,
            String query,
            int pageSize,
            boolean addAfterChange,
            Options options,
            String pipelineFile) {
        this.access = access;
        this.query = query;
        this.pageSize = pageSize;
        this.addAfterChange = addAfterChange;
        this.options = options;
        this.pipelineFile = pipelineFile;
        this.key = "bigquery@" + Digests.sha256Hex(access.project() + "\0" + query, 12);
    }

    private synchronized BigQuery bq() throws IOException {
        if (client == null) client = access.client();
        return client;
    }

    @Override
    public Proposal propose(KnownSplits known) {
        KnownMember last = known.members(List.of(key)).get(key);
        refuseChangedQuery(known, last);
        if (last != null) {
            return new Proposal(
                    List.of(),
                    List.of(Skipped.seen(
                            "query",
                            last.state(),
                            "read in full already (split " + last.splitId() + ", "
                                    + last.state().label() + "): a query is read once per ledger")));
        }
        Split split = new Split(key + "#all", List.of(new Member(key, "full", 0, 1, null)), 0, query, null);
        return new Proposal(List.of(split), List.of(), null, List.of(), List.of(), true);
    }

    /** The refusal a run's plan would meet ({@link #refuseChangedQuery}), for {@code sluice validate}. */
    @Override
    public Optional<String> check(KnownSplits known) {
        if (known != null) refuseChangedQuery(known, known.members(List.of(key)).get(key));
        return Optional.empty();
    }

    /**
     * Fails the plan when the ledger's newest split is another query's ({@link EarlierDefinition}): the query was
     * edited since that one was read. Read now under its own split id and output names, the new query's rows would
     * stand in the output beside the earlier query's (every row twice in a files sink, old and new rows mixed), since
     * no sink replaces the output of another input; read already ({@code last}) while another query read after it,
     * the output holds the rows of both. Which way on is the user's to say: the message names the earlier query and
     * the choices, as the jdbc source's full read does.
     */
    private void refuseChangedQuery(KnownSplits known, KnownMember last) {
        if (addAfterChange) return;
        Optional<EarlierDefinition> found = EarlierDefinition.find(known, key, SPLIT_ID);
        if (found.isEmpty()) return;
        EarlierDefinition e = found.get();
        String earlier = (last == null ? "an earlier" : "another") + " query (" + e.key() + ": "
                + quoted(e.split().payload()) + ") was read " + e.where();
        String once = "Choose: " + EarlierDefinition.deleteOutputChoice(pipelineFile) + "; ";
        if (last != null) {
            throw options.problem(
                    BigQuerySourceFactory.QUERY,
                    "this query was read (split " + last.splitId() + ", "
                            + last.state().label() + "), and then " + earlier + ": the output holds the rows of both. "
                            + once + "or put the other query back");
        }
        throw options.problem(
                BigQuerySourceFactory.QUERY,
                "this query has read nothing yet, and " + earlier + ": the query was edited since, and read now, its "
                        + "rows would be in the output beside those the earlier one wrote (twice in a files sink). "
                        + once
                        + EarlierDefinition.keepOutputChoice(
                                pipelineFile, "a jdbc sink with upsert keys or a bigquery sink with merge keys")
                        + "; or put the earlier query back, which was read already; or, for a query per range, set "
                        + "source.bigquery.after_change: add to read each edited query beside the earlier output");
    }

    /** An earlier query (its split's payload; null before splits kept it) as a message quotes it: one line, short. */
    private static String quoted(String earlierQuery) {
        if (earlierQuery == null) return "its text was not kept";
        String line = earlierQuery.strip().replaceAll("\\s+", " ");
        return line.length() <= QUOTED ? line : line.substring(0, QUOTED) + "...";
    }

    /**
     * Runs the split's own query (its payload), so that a split planned before the query was edited reads what it was
     * planned with; a split registered before the query was kept reads the query as written now, its id's query.
     */
    @Override
    public SplitReader open(Split split, ReadContext context) throws IOException {
        Path file = context.scratch().resolve("rows.csv");
        Map<String, String> columns = spool(split.payload() == null ? query : split.payload(), file, 0);
        return SplitReader.of(LocalFiles.typedCsv(List.of(LocalFiles.Part.whole(file, "query")), columns), List.of());
    }

    @Override
    public Sample sample(Path scratch) throws IOException {
        Path file = Files.createDirectories(scratch).resolve("sample.csv");
        Map<String, String> columns = spool("SELECT * FROM (" + query + ") LIMIT " + SAMPLE_ROWS, file, SAMPLE_ROWS);
        return Sample.of(LocalFiles.typedCsv(List.of(LocalFiles.Part.whole(file, "query")), columns));
    }

    @Override
    public String describe(Split split) {
        return "query (" + access.project() + ")";
    }

    /** Runs the query and writes its rows as CSV; the columns and their engine types. */
    private Map<String, String> spool(String sql, Path file, int maxRows) throws IOException {
        TableResult result;
        try {
            result = access.query(bq(), sql, Map.of(), maxRows > 0 ? maxRows : pageSize);
        } catch (BigQueryException e) {
            throw new IOException(access.explain("the query failed", e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the query ran", e);
        }
        List<Field> fields =
                result.getSchema() == null ? List.of() : result.getSchema().getFields();
        Map<String, String> columns = new LinkedHashMap<>();
        for (Field f : fields) {
            if (columns.put(f.getName(), engineType(f)) != null) {
                throw new IOException("the query's result has two columns named " + f.getName() + "; name one "
                        + "otherwise (AS another_name)");
            }
        }
        List<String> types = List.copyOf(columns.values());
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            int i = 0;
            for (String name : columns.keySet()) {
                if (i++ > 0) w.write(',');
                quoted(w, name);
            }
            w.write('\n');
            long n = 0;
            for (FieldValueList row : result.iterateAll()) {
                if (maxRows > 0 && n++ >= maxRows) break;
                for (int c = 0; c < types.size(); c++) {
                    if (c > 0) w.write(',');
                    FieldValue v = row.get(c);
                    if (v.isNull()) continue;
                    String type = types.get(c);
                    switch (type) {
                        case "VARCHAR" -> quoted(w, v.getStringValue());
                        case "TIMESTAMP WITH TIME ZONE" ->
                            w.write(INSTANT.format(instant(v.getTimestampValue())) + "+00");
                        case "TIMESTAMP" -> w.write(v.getStringValue().replace('T', ' '));
                        default -> w.write(v.getStringValue());
                    }
                }
                w.write('\n');
            }
        } catch (BigQueryException e) {
            throw new IOException(access.explain("cannot read the query's result", e), e);
        }
        return columns;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    /**
     * A BigQuery column's engine type (docs/sources/bigquery.md); one Sluice cannot map fails with the cast to use.
     */
    static String engineType(Field f) throws IOException {
        String name = f.getName();
        if (f.getMode() == Field.Mode.REPEATED) throw unmappable(name, "ARRAY", "TO_JSON_STRING(" + name + ")");
        StandardSQLTypeName t = f.getType().getStandardType();
        return switch (t) {
            case INT64 -> "BIGINT";
            case FLOAT64 -> "DOUBLE";
            case BOOL -> "BOOLEAN";
            case STRING, JSON, GEOGRAPHY -> "VARCHAR";
            case DATE -> "DATE";
            case TIME -> "TIME";
            case DATETIME -> "TIMESTAMP";
            case TIMESTAMP -> "TIMESTAMP WITH TIME ZONE";
            case NUMERIC, BIGNUMERIC -> {
                Long p = f.getPrecision();
                Long s = f.getScale();
                if (p != null && p <= 38) yield "DECIMAL(" + p + "," + (s == null ? 0 : s) + ")";
                if (t == StandardSQLTypeName.NUMERIC) yield "DECIMAL(38,9)";
                throw unmappable(name, "BIGNUMERIC", "CAST(" + name + " AS NUMERIC)` or `CAST(" + name + " AS STRING)");
            }
            case BYTES -> throw unmappable(name, "BYTES", "TO_BASE64(" + name + ")");
            case STRUCT -> throw unmappable(name, "STRUCT", "TO_JSON_STRING(" + name + ")");
            default -> throw unmappable(name, t.name(), "CAST(" + name + " AS STRING)");
        };
    }

    private static IOException unmappable(String column, String type, String cast) {
        return new IOException("column '" + column + "' of the query has type " + type + ", which Sluice cannot map to "
                + "an engine type; select it cast in the query, e.g. `" + cast + " AS " + column + "`");
    }

    private static void quoted(Writer w, String v) throws IOException {
        w.write('"');
        w.write(v.replace("\"", "\"\""));
        w.write('"');
    }
}
