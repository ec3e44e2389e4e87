package io.sluice.sinks.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.cloud.bigquery.BigQuery;
import com.google.cloud.bigquery.Field;
import com.google.cloud.bigquery.Schema;
import com.google.cloud.bigquery.StandardSQLTypeName;
import com.google.cloud.bigquery.StandardTableDefinition;
import com.google.cloud.bigquery.TableId;
import com.google.cloud.bigquery.TableInfo;
import io.sluice.config.ConfigException;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.engine.DuckRows;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.runner.LedgerLocks;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.StaleClaimException;
import io.sluice.spi.sink.BadRows;
import io.sluice.spi.sink.FileSpec;
import io.sluice.spi.sink.Rows;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import io.sluice.spi.sink.Written;
import io.sluice.testkit.sink.ByteNamedBadRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bigquery sink through Google's own client against {@link io.sluice.gcp.bigquery.BigQueryStandIn}, an HTTP
 * stand-in for BigQuery's REST API (no BigQuery emulator runs here). What the stand-in does not check is in its
 * javadoc: BigQuery's own SQL semantics beyond its rewrites onto DuckDB, concurrent transactions, quotas, IAM.
 */
class BigQuerySinkTest {
    @TempDir
    Path dir;

    private BigQueryTarget target;
    private Connection duck;
    private MemoryLedger ledger;

    @BeforeEach
    void start() throws Exception {
        target = new BigQueryTarget(dir);
        duck = DriverManager.getConnection("jdbc:duckdb:");
        ledger = MemoryLedger.open("bq", Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        duck.close();
        target.close();
    }

    private Sink sink(String yaml) throws Exception {
        Sink sink = target.sink(yaml);
        sink.check();
        sink.prepare();
        return sink;
    }

    private static Split split(String id) {
        return new Split(id, List.of(Member.whole(id, "v1", null)), 10, null, null);
    }

    /**
     * A split of a byte range of one version of a file, as the files source cuts a large file: its output key is the
     * file's, with the version and the range, shared by the file's other ranges.
     */
    private static Split range(String file, String version, long start, long end) {
        return new Split(
                file + "#" + start + "-" + end + "@" + version,
                List.of(new Member(file, version, start, end, null)),
                end - start,
                null,
                new OutputKey(file, version, start, end));
    }

    /** A claim's commit context with this fencing token. */
    private SplitCommit claim(long token) {
        return claim(token, "inc-1");
    }

    /** A claim's commit context with this fencing token, in this ledger incarnation. */
    private SplitCommit claim(long token, String incarnation) {
        return claim(token, incarnation, ledger);
    }

    /** The same, its output locks taken in this ledger. */
    private static SplitCommit claim(long token, String incarnation, MemoryLedger ledger) {
        return new SplitCommit(
                () -> {}, () -> true, incarnation, 1, token, new LedgerLocks(ledger, "w", Duration.ofSeconds(30)));
    }

    /** A fresh scratch folder for a writer, as a split's attempt gets one. */
    private WriteContext scratch() throws IOException {
        return new WriteContext(Files.createTempDirectory(dir, "scratch-"));
    }

    private Written write(Sink sink, String split, String query, long token) throws Exception {
        return write(sink, split(split), query, token);
    }

    private Written write(Sink sink, Split split, String query, long token) throws Exception {
        return commit(sink, split, query, claim(token));
    }

    private Written commit(Sink sink, Split split, String query, SplitCommit claim) throws Exception {
        try (SinkWriter w = sink.open(split, scratch())) {
            w.stage(new DuckRows(duck, query), BadRows.NONE);
            return w.commit(claim);
        }
    }

    private static String tagged(String tag, int n) {
        return "SELECT '" + tag + "' AS tag, i::INTEGER AS n FROM range(" + n + ") t(i)";
    }

    private List<String> counts() throws Exception {
        return target.bq.rows("SELECT tag, count(*), min(_sluice_split) FROM ds.items GROUP BY tag ORDER BY tag");
    }

    /** Not the JVM's temp folder, where a killed process's file would stay: the scratch the runner removes. */
    @Test
    void theStagedParquetLiesInTheAttemptsScratchFolderUntilTheCommit() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        WriteContext context = scratch();
        try (SinkWriter w = sink.open(split("a"), context)) {
            w.stage(new DuckRows(duck, tagged("a", 2)), BadRows.NONE);
            assertThat(files(context.scratch())).contains("rows.parquet");
            w.commit(claim(1));
        }
        assertThat(files(context.scratch())).isEmpty();
        assertThat(counts()).containsExactly("a|2|a");
    }

    private static List<String> files(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    @Test
    void appendsEachSplitOnceAndAReplayReplacesItsRows() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        assertThat(write(sink, "a", tagged("a", 5), 1).rowsOut()).isEqualTo(5);
        write(sink, "b", tagged("b", 2), 1);
        write(sink, "a", tagged("a-replay", 3), 2);
        assertThat(counts()).containsExactly("a-replay|3|a", "b|2|b");
        assertThat(target.bq.rows("SELECT split_id, token, row_count FROM ds._sluice_commits ORDER BY split_id"))
                .containsExactly("a|2|3", "b|1|2");
        assertThat(target.bq.jobIds())
                .as("load and commit jobs named by split and token")
                .anyMatch(id -> id.endsWith("_t2_load"))
                .anyMatch(id -> id.endsWith("_t2_commit"));
        assertThat(target.bq.tables("ds"))
                .as("no staging table is left")
                .noneMatch(t -> t.startsWith("_sluice_stage_"));
    }

    /**
     * The ranges of one version of a file keep each other's rows (siblings); a replay of a range replaces its own rows;
     * a new version replaces the rows of every range of the old one; a cut of the same version that overlaps earlier
     * ranges (planned again after a reset) replaces them. The commit records follow the rows.
     */
    @Test
    void rangesOfOneVersionKeepEachOtherAndANewVersionReplacesThemAll() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, range("a.log", "v1", 0, 100), tagged("v1 0", 2), 1);
        write(sink, range("a.log", "v1", 100, 200), tagged("v1 100", 3), 1);
        write(sink, range("a.log", "v1", 200, 300), tagged("v1 200", 1), 1);
        assertThat(tags()).as("every range's rows").containsExactly("v1 0|2", "v1 100|3", "v1 200|1");

        write(sink, range("a.log", "v1", 100, 200), tagged("v1 100 again", 2), 2);
        assertThat(tags())
                .as("a replay of a range replaces its own rows and keeps its siblings'")
                .containsExactly("v1 0|2", "v1 100 again|2", "v1 200|1");

        write(sink, range("a.log", "v2", 0, 150), tagged("v2 0", 4), 1);
        assertThat(tags())
                .as("the first range of a new version replaces every range of the old one")
                .containsExactly("v2 0|4");
        write(sink, range("a.log", "v2", 150, 300), tagged("v2 150", 1), 1);
        assertThat(tags()).containsExactly("v2 0|4", "v2 150|1");

        write(sink, range("a.log", "v2", 100, 300), tagged("v2 recut", 2), 1);
        assertThat(tags())
                .as("a range overlapping both earlier ranges of its version replaces both")
                .containsExactly("v2 recut|2");
        assertThat(target.bq.rows("SELECT split_id, output_version, output_start, output_end FROM ds._sluice_commits"))
                .as("one record, with the version and range of the output it holds")
                .containsExactly("a.log#100-300@v2|v2|100|300");
    }

    /**
     * Commit records of an earlier Sluice, which kept no version or range: the next run adds the columns, and such a
     * record counts as another version, whose rows the next commit of the output replaces (never kept beside it), even
     * a commit of a range that would be its sibling: without a version, none can tell.
     */
    @Test
    void recordsWithoutAVersionCountAsAnotherVersion() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, range("a.log", "v1", 0, 100), tagged("v1", 3), 1);
        target.bq.dropColumns("ds", "_sluice_commits", "output_version", "output_start", "output_end");

        Sink next = sink("dataset: ds\ntable: items\n");
        assertThat(target.bq.schema("ds", "_sluice_commits"))
                .as("the next run adds the columns")
                .contains("output_version:STRING", "output_start:INTEGER", "output_end:INTEGER");
        write(next, range("a.log", "v1", 100, 200), tagged("v1 100", 1), 1);
        assertThat(tags()).containsExactly("v1 100|1");
        assertThat(target.bq.rows("SELECT split_id, output_version, output_start, output_end FROM ds._sluice_commits"))
                .containsExactly("a.log#100-200@v1|v1|100|200");
    }

    private List<String> tags() throws Exception {
        return target.bq.rows("SELECT tag, count(*) FROM ds.items GROUP BY tag ORDER BY tag");
    }

    @Test
    void aStaleTokenCannotCommitOverANewerClaim() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("newer", 4), 5);
        assertThatThrownBy(() -> write(sink, "a", tagged("stale", 7), 3)).isInstanceOf(StaleClaimException.class);
        assertThat(counts()).containsExactly("newer|4|a");
        assertThat(target.bq.tables("ds")).noneMatch(t -> t.startsWith("_sluice_stage_"));

        int before = target.bq.duplicates.get();
        assertThatThrownBy(() -> write(sink, "a", tagged("stale", 7), 3))
                .as("the same attempt again: its jobs exist (HTTP 409), and its commit job failed: not a commit")
                .isInstanceOf(StaleClaimException.class);
        assertThat(target.bq.duplicates.get() - before).isEqualTo(2);
        assertThat(counts()).containsExactly("newer|4|a");
    }

    @Test
    void aSecondCommitOfOneSplitAndTokenIsRefusedByBigQueryAndCountsAsCommitted() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("first", 5), 7);
        int before = target.bq.duplicates.get();
        write(sink, "a", tagged("again", 4), 7);
        assertThat(target.bq.duplicates.get() - before)
                .as("the load job and the commit job of split a with token 7 exist already: HTTP 409 each")
                .isEqualTo(2);
        assertThat(counts()).as("the commit made first stands, once").containsExactly("first|5|a");
    }

    /**
     * Tokens start over in a new ledger (a lost SQLite file, the memory ledger's next run, another ledger): a split's
     * attempt with a token an earlier ledger used is another attempt, not that one again. BigQuery refuses its job ids
     * as taken (HTTP 409), and Google's client hands back the earlier ledger's jobs (made within the last day), so
     * naming jobs by split and token alone took the earlier commit for this one: the new rows were never loaded.
     */
    @Test
    void anAttemptOfANewLedgerWithATokenAnEarlierLedgerUsedLoadsItsOwnRows() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        try (SinkWriter w = sink.open(split("a"), scratch())) {
            w.stage(new DuckRows(duck, tagged("earlier ledger", 5)), BadRows.NONE);
            w.commit(claim(1, "inc-1"));
        }
        int before = target.bq.duplicates.get();
        try (SinkWriter w = sink.open(split("a"), scratch())) {
            w.stage(new DuckRows(duck, tagged("new ledger", 3)), BadRows.NONE);
            assertThat(w.commit(claim(1, "inc-2")).rowsOut()).isEqualTo(3);
        }
        assertThat(counts()).containsExactly("new ledger|3|a");
        assertThat(target.bq.duplicates.get() - before).as("no job id taken").isZero();
    }

    /**
     * Tokens start over in a new ledger: the new ledger's claim with a token lower than the earlier ledger's replaces
     * that commit, not refused as stale at every retry; within the new incarnation a lower token is refused again.
     */
    @Test
    void aNewLedgersLowerTokenReplacesTheEarlierLedgersCommit() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        commit(sink, split("a"), tagged("earlier ledger", 5), claim(7, "inc-1"));
        commit(sink, split("a"), tagged("new ledger", 3), claim(2, "inc-2"));
        assertThat(counts()).containsExactly("new ledger|3|a");
        assertThatThrownBy(() -> commit(sink, split("a"), tagged("stale", 4), claim(1, "inc-2")))
                .as("within one incarnation a lower token is still stale")
                .isInstanceOf(StaleClaimException.class);
        assertThat(counts()).containsExactly("new ledger|3|a");
    }

    /**
     * The same for an output's lock: a version of a file written under the earlier ledger's later grants (token 3) is
     * replaced by the new ledger's first grant (token 1) of the output, not refused as taken over.
     */
    @Test
    void aNewLedgersFirstOutputLockReplacesTheEarlierLedgersVersion() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        commit(sink, range("a.log", "v1", 0, 100), tagged("v1 0", 2), claim(1, "inc-1"));
        commit(sink, range("a.log", "v1", 100, 200), tagged("v1 100", 1), claim(1, "inc-1"));
        commit(sink, range("a.log", "v1", 0, 100), tagged("v1 0 again", 1), claim(2, "inc-1"));
        assertThat(target.bq.rows("SELECT lock_token FROM ds._sluice_outputs")).containsExactly("3");

        MemoryLedger newLedger = MemoryLedger.open("bigquery-new", Clock.systemUTC());
        commit(sink, range("a.log", "v2", 0, 200), tagged("v2", 3), claim(1, "inc-2", newLedger));
        assertThat(tags()).containsExactly("v2|3");
        assertThat(target.bq.rows("SELECT lock_token, incarnation FROM ds._sluice_outputs"))
                .containsExactly("1|inc-2");
    }

    @Test
    void aCommitThatRanButWhoseResultsWereLostCountsAsCommitted() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        target.bq.lostCommitResults.set(1);
        Written w = write(sink, "a", tagged("a", 3), 4);
        assertThat(w.rowsOut()).isEqualTo(3);
        assertThat(counts()).containsExactly("a|3|a");
        assertThat(target.bq.jobIds())
                .as("one commit job: not run again")
                .filteredOn(id -> id.contains("_commit"))
                .hasSize(1);
    }

    /**
     * A worker killed while its load job runs (or before its commit) leaves the attempt's staging table behind, and no
     * later attempt uses that name (it holds the token): it must expire by itself, as the docs say, so its expiry is
     * set when the table is made, not after the load.
     */
    @Test
    void aStagingTableThatAKilledWorkerLeavesBehindExpires() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        target.bq.goneAfterLoad.set(true);
        long before = System.currentTimeMillis();
        assertThatThrownBy(() -> write(sink, "a", tagged("a", 3), 5))
                .as("the worker is gone after its load")
                .hasMessageContaining("the caller is gone");
        target.bq.reachable();
        List<String> staging = target.bq.tables("ds").stream()
                .filter(t -> t.startsWith("_sluice_stage_"))
                .toList();
        assertThat(staging).as("left behind").hasSize(1);
        assertThat(target.bq.expiration("ds", staging.getFirst()))
                .as("expires within a day")
                .hasValueSatisfying(at -> assertThat(at)
                        .isBetween(
                                before + Duration.ofHours(23).toMillis(),
                                before + Duration.ofHours(25).toMillis()));
    }

    @Test
    void mergeWritesOverRowsWithTheSameKeysAndASplitsLastRowForAKeyWins() throws Exception {
        Sink sink = sink("dataset: ds\ntable: m\nmode: merge\nkeys: [id]\n");
        write(sink, "a", "SELECT i::BIGINT AS id, 'a' AS v FROM range(1, 4) t(i)", 1);
        write(sink, "b", "SELECT * FROM (VALUES (2::BIGINT, 'b'), (4, 'b-first'), (4, 'b-last')) t(id, v)", 1);
        assertThat(target.bq.rows("SELECT id, v, _sluice_split FROM ds.m ORDER BY id"))
                .containsExactly("1|a|a", "2|b|b", "3|a|a", "4|b-last|b");
        // a replay of b with fewer rows: its earlier rows go, the merge writes its new ones
        write(sink, "b", "SELECT 2::BIGINT AS id, 'b2' AS v", 2);
        assertThat(target.bq.rows("SELECT id, v FROM ds.m ORDER BY id")).containsExactly("1|a", "2|b2", "3|a");
    }

    /**
     * A NULL key matches no row (BigQuery's {@code =} is not true for NULL, so MERGE inserts such a row), as in the jdbc
     * sink: every row of a split with a NULL key is kept, not only the last (a window's PARTITION BY puts the NULLs of
     * a key together, which kept one of them and dropped the rest).
     */
    @Test
    void mergeKeepsEveryRowWhoseKeyIsNull() throws Exception {
        Sink sink = sink("dataset: ds\ntable: m\nmode: merge\nkeys: [id, part]\n");
        write(
                sink,
                "a",
                "SELECT * FROM (VALUES (NULL::BIGINT, 'p', 'x'), (NULL, 'p', 'y'), (1, NULL, 'n1'), (1, NULL, 'n2'),"
                        + " (1, 'p', 'a-first'), (1, 'p', 'a-last')) t(id, part, v)",
                1);
        write(sink, "b", "SELECT * FROM (VALUES (NULL::BIGINT, 'p', 'z'), (1, 'p', 'b')) t(id, part, v)", 1);
        assertThat(target.bq.rows("SELECT id, part, v, _sluice_split FROM ds.m ORDER BY v"))
                .containsExactly("1|p|b|b", "1|null|n1|a", "1|null|n2|a", "null|p|x|a", "null|p|y|a", "null|p|z|b");
        write(sink, "a", "SELECT NULL::BIGINT AS id, 'p' AS part, 'x2' AS v", 2);
        assertThat(target.bq.rows("SELECT id, part, v FROM ds.m ORDER BY v"))
                .as("a replay replaces the split's NULL-key rows as its others")
                .containsExactly("1|p|b", "null|p|x2", "null|p|z");
    }

    @Test
    void badRecordsGoToTheDeadLetterTableAndAReplayReplacesThem() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        BadRows bad = () -> java.util.Optional.of(
                new DuckRows(
                        duck,
                        "SELECT 'a' AS split, 'in.csv' AS file, 3::BIGINT AS line, NULL::BIGINT AS \"byte\", 'not a number' AS reason, 'x,y' AS record"));
        for (long token = 1; token <= 2; token++) {
            try (SinkWriter w = sink.open(split("a"), scratch())) {
                w.stage(new DuckRows(duck, tagged("a", 2)), bad);
                w.commit(claim(token));
            }
        }
        assertThat(target.bq.rows("SELECT split_id, file, line, reason, record FROM ds._sluice_dead_letter"))
                .containsExactly("a|in.csv|3|not a number|x,y");
        assertThat(counts()).containsExactly("a|2|a");
    }

    /**
     * A bad record of a byte range whose lines are not counted is named by the byte where it starts, its line null: the
     * table keeps the byte, as the files sink's dead letters do. Bad records named by their line (the reader gives them
     * no byte column then) have none (NULL).
     */
    @Test
    void aBadRecordNamedByItsByteKeepsItsByteInTheDeadLetterTable() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.RANGE, duck, scratch(), claim(1));
        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.WHOLE_FILE, duck, scratch(), claim(1));
        assertThat(byteDeadLetters())
                .containsExactly(ByteNamedBadRecords.KEPT_BY_BYTE, ByteNamedBadRecords.KEPT_BY_LINE);
    }

    /**
     * The dead letter table of an earlier Sluice, made (through tables.insert) without the byte column and holding a
     * row: preparing the sink adds the column (NULLABLE, by tables.patch), the row stays with its byte NULL, and a
     * record named by its byte is kept with it.
     */
    @Test
    void anEarlierSluicesDeadLetterTableGetsTheByteColumnAndKeepsItsRows() throws Exception {
        BigQuery client = target.access().client();
        client.create(TableInfo.of(
                TableId.of("proj", "ds", "_sluice_dead_letter"),
                StandardTableDefinition.of(Schema.of(
                        Field.of("pipeline", StandardSQLTypeName.STRING),
                        Field.of("target", StandardSQLTypeName.STRING),
                        Field.of("split_id", StandardSQLTypeName.STRING),
                        Field.of("file", StandardSQLTypeName.STRING),
                        Field.of("line", StandardSQLTypeName.INT64),
                        Field.of("reason", StandardSQLTypeName.STRING),
                        Field.of("record", StandardSQLTypeName.STRING),
                        Field.of("failed_at", StandardSQLTypeName.TIMESTAMP)))));
        target.bq.sql("INSERT INTO ds._sluice_dead_letter VALUES "
                + "('p', 'items', 'old.csv', 'old.csv', 3, 'unreadable', 'x;y', now())");

        Sink sink = sink("dataset: ds\ntable: items\n");
        assertThat(target.bq.schema("ds", "_sluice_dead_letter"))
                .as("the column added")
                .contains("byte:INTEGER");
        assertThat(byteDeadLetters()).as("the row kept").containsExactly("old.csv|3|null|unreadable");

        ByteNamedBadRecords.commit(sink, ByteNamedBadRecords.RANGE, duck, scratch(), claim(1));
        assertThat(byteDeadLetters()).containsExactly(ByteNamedBadRecords.KEPT_BY_BYTE, "old.csv|3|null|unreadable");
    }

    /** Each dead letter as {@code file|line|byte|reason}, by file. */
    private List<String> byteDeadLetters() throws Exception {
        return target.bq.rows("SELECT file, line, \"byte\", reason FROM ds._sluice_dead_letter ORDER BY file");
    }

    @Test
    void discardAndDeleteOutputRemoveOnlyThisPipelinesRows() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("a", 2), 1);
        write(sink, "b", tagged("b", 3), 1);
        target.bq.sql("INSERT INTO ds.items (tag, n) VALUES ('not-ours', 1)");
        assertThatThrownBy(() -> sink.discard(split("a"), claim(0)))
                .as("a discard is fenced like a commit")
                .isInstanceOf(StaleClaimException.class);
        sink.discard(split("a"), claim(2));
        assertThat(counts()).containsExactly("b|3|b", "not-ours|1|null");
        assertThat(sink.listOutput()).containsExactly("proj.ds.items (rows of 1 split(s))");
        assertThat(sink.deleteOutput()).hasSize(1);
        assertThat(counts()).containsExactly("not-ours|1|null");
        assertThat(sink.listOutput()).isEmpty();
    }

    @Test
    void aTransactionAbortedByAConcurrentOneRunsAgainUnderANewJobId() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        target.bq.concurrentUpdates.set(2);
        write(sink, "a", tagged("a", 3), 4);
        assertThat(counts()).containsExactly("a|3|a");
        assertThat(target.bq.jobIds())
                .filteredOn(id -> id.contains("_t4_commit"))
                .hasSize(3)
                .anyMatch(id -> id.endsWith("_t4_commit_r3"));
    }

    @Test
    void anUnreadableKeyFileIsNamed() {
        Sink sink = new BigQuerySinkFactory()
                .create(
                        new Validator(dir, k -> null)
                                .validate(
                                        YamlReader.parse(
                                                "p.yaml",
                                                "project: proj\ndataset: ds\ntable: t\ncredentials: missing.json\n"),
                                        (Type.Obj) new BigQuerySinkFactory().options(),
                                        "sink.bigquery"),
                        new PipelineContext("p", dir.resolve("p.yaml"), 1, BadRecordPolicy.FAIL, Clock.systemUTC()));
        assertThatThrownBy(sink::check)
                .hasMessageContaining("cannot read the service-account key " + dir.resolve("missing.json"))
                .hasMessageContaining("application default credentials");
    }

    @Test
    void createsTheTableWithTheMappedTypes() throws Exception {
        Sink sink = sink("dataset: ds\ntable: typed\n");
        write(
                sink,
                "a",
                "SELECT true AS b, 7::INTEGER AS i, 8::BIGINT AS l, 1.5::DOUBLE AS d, 12.34::DECIMAL(12,2) AS amount,"
                        + " 1.5::DECIMAL(38,10) AS big, 'x' AS s, DATE '2026-01-02' AS day,"
                        + " TIMESTAMP '2026-01-02 03:04:05' AS local_time,"
                        + " TIMESTAMPTZ '2026-01-02 03:04:05+00' AS instant",
                1);
        assertThat(target.bq.schema("ds", "typed"))
                .containsExactly(
                        "b:BOOLEAN",
                        "i:INTEGER",
                        "l:INTEGER",
                        "d:FLOAT",
                        "amount:NUMERIC(12,2)",
                        "big:BIGNUMERIC(38,10)",
                        "s:STRING",
                        "day:DATE",
                        "local_time:DATETIME",
                        "instant:TIMESTAMP",
                        "_sluice_split:STRING");
        assertThat(target.bq.rows("SELECT b, i, amount, big, day, local_time::VARCHAR, instant::VARCHAR FROM ds.typed"))
                .containsExactly("true|7|12.34|1.5000000000|2026-01-02|2026-01-02 03:04:05|2026-01-02 03:04:05+00");
    }

    @Test
    void aTypeBigQueryCannotTakeIsRefusedNamingTheColumnAndTheCast() throws Exception {
        Sink sink = sink("dataset: ds\ntable: t\n");
        assertThatThrownBy(() -> write(sink, "a", "SELECT 1::UBIGINT AS counter", 1))
                .hasMessageContaining("column counter has the type UBIGINT")
                .hasMessageContaining("counter::DECIMAL(38,0)")
                .isInstanceOfSatisfying(
                        AttemptFailure.class,
                        f -> assertThat(f.retryable())
                                .as("refused alike at every attempt: the split is dead at once")
                                .isFalse());
    }

    @Test
    void aColumnTheTableLacksMakesTheSplitDeadAtOnceNamingIt() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("a", 1), 1);
        assertThatThrownBy(() -> write(sink, "b", "SELECT 'b' AS tag, 1::INTEGER AS n, 2 AS extra", 1))
                .hasMessageContaining("the output has column(s) extra that table")
                .hasMessageContaining("proj.ds.items")
                .hasMessageContaining("its columns: tag, n, _sluice_split")
                .hasMessageContaining("ADD COLUMN `extra` INT64")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
        assertThat(counts()).containsExactly("a|1|a");
    }

    /**
     * BigQuery lets a table be made without a schema; its tables.get then has no {@code schema}. Read as null, the
     * sink threw a NullPointerException: it is a table with no columns, so the output's columns are ones it lacks.
     */
    @Test
    void aTableWithoutASchemaIsATableWithoutColumns() throws Exception {
        target.bq.createTableWithoutSchema("ds", "items");
        Sink sink = sink("dataset: ds\ntable: items\n");
        assertThatThrownBy(() -> write(sink, "a", tagged("a", 1), 1))
                .hasMessageContaining("the output has column(s) tag, n that table proj.ds.items lacks")
                .hasMessageContaining("it has no columns")
                .hasMessageContaining("ADD COLUMN `tag` STRING")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
    }

    /**
     * {@code keys:} on a table made without a schema: the check says the table has no columns yet and what to do.
     * Before, its message ended with an empty list, "its columns: ".
     */
    @Test
    void keysOnATableWithoutASchemaSayItHasNoColumnsYetAndWhatToDo() throws Exception {
        target.bq.createTableWithoutSchema("ds", "m");
        Sink sink = target.sink("dataset: ds\ntable: m\nmode: merge\nkeys: [id]\n");
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no column \"id\" in table proj.ds.m")
                .hasMessageContaining("it has no columns yet")
                .hasMessageContaining("ALTER TABLE `proj.ds.m` ADD COLUMN `id`")
                .hasMessageContaining("bq rm -t proj:ds.m")
                .hasMessageNotContaining("its columns:");
    }

    /**
     * BigQuery's column names ignore case (https://cloud.google.com/bigquery/docs/schemas#column_names): an output
     * column {@code ID} is the table's column {@code id}. Compared exactly, such an output was a column the table
     * "lacks", and the split was dead.
     */
    @Test
    void anOutputColumnThatDiffersFromTheTablesOnlyInCaseIsThatColumn() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", "SELECT 1::BIGINT AS id, 'a' AS tag", 1);
        write(sink, "b", "SELECT 2::BIGINT AS ID, 'b' AS Tag", 1);
        assertThat(target.bq.rows("SELECT id, tag, _sluice_split FROM ds.items ORDER BY id"))
                .containsExactly("1|a|a", "2|b|b");
        assertThat(target.bq.schema("ds", "items"))
                .as("the table's own names stay")
                .containsExactly("id:INTEGER", "tag:STRING", "_sluice_split:STRING");
    }

    /** Merge keys, too, are the table's and the output's columns in any case. */
    @Test
    void mergeMatchesKeysWhateverTheirCase() throws Exception {
        Sink first = sink("dataset: ds\ntable: m\nmode: merge\nkeys: [Id]\n");
        write(first, "a", "SELECT i::BIGINT AS Id, 'a' AS v FROM range(1, 3) t(i)", 1);
        Sink sink = sink("dataset: ds\ntable: m\nmode: merge\nkeys: [id]\n");
        sink.columnCheck().orElseThrow().check(List.of("ID", "V"));
        write(sink, "b", "SELECT 2::BIGINT AS ID, 'b' AS V", 1);
        assertThat(target.bq.rows("SELECT Id, v, _sluice_split FROM ds.m ORDER BY Id"))
                .containsExactly("1|a|a", "2|b|b");
    }

    /**
     * BigQuery takes two names that differ only in case for one column: refused before anything is loaded. DuckDB
     * renames the second of such columns in a query's result ({@code Amount_1}), so these rows are a sink's {@link Rows}
     * that keeps both names, as another engine's might.
     */
    @Test
    void twoOutputColumnsThatDifferOnlyInCaseAreRefusedNamingBoth() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        DuckRows duckRows = new DuckRows(duck, "SELECT 1 AS amount, 2 AS other");
        Rows rows = new Rows() {
            @Override
            public List<String> columns() {
                return List.of("amount", "Amount");
            }

            @Override
            public List<String> columnTypes() {
                return List.of("INTEGER", "INTEGER");
            }

            @Override
            public long writeFiles(Path to, FileSpec spec) throws Exception {
                return duckRows.writeFiles(to, spec);
            }

            @Override
            public RowCursor cursor() throws Exception {
                return duckRows.cursor();
            }
        };
        assertThatThrownBy(() -> {
                    try (SinkWriter w = sink.open(split("a"), scratch())) {
                        w.stage(rows, BadRows.NONE);
                        w.commit(claim(1));
                    }
                })
                .hasMessageContaining("amount and Amount")
                .hasMessageContaining("rename one in a step")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
        assertThat(target.bq.tables("ds")).doesNotContain("items");
    }

    /**
     * The sink keeps the table's fields for the worker's life: a table dropped meanwhile failed every later split of
     * that worker (its commit named a table that is gone) until the worker restarted. Read again, it is made anew.
     */
    @Test
    void aTableDroppedBetweenTwoSplitsIsMadeAgain() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("a", 2), 1);
        target.bq.dropTable("ds", "items");
        assertThat(write(sink, "b", tagged("b", 3), 1).rowsOut()).isEqualTo(3);
        assertThat(counts()).containsExactly("b|3|b");
        assertThat(target.bq.jobIds())
                .as("the commit that found no table, then the one after the table was read again")
                .anyMatch(id -> id.endsWith("_t1_commit"))
                .anyMatch(id -> id.endsWith("_t1_commit_reread"));
    }

    /** A column dropped from the table meanwhile: read again, the split is refused naming it, not with a SQL error. */
    @Test
    void aColumnDroppedBetweenTwoSplitsIsNamed() throws Exception {
        Sink sink = sink("dataset: ds\ntable: items\n");
        write(sink, "a", tagged("a", 2), 1);
        target.bq.dropColumns("ds", "items", "n");
        assertThatThrownBy(() -> write(sink, "b", tagged("b", 3), 1))
                .hasMessageContaining("the output has column(s) n that table proj.ds.items lacks")
                .isInstanceOfSatisfying(
                        AttemptFailure.class, f -> assertThat(f.retryable()).isFalse());
    }

    @Test
    void aMissingDatasetIsNamedWithTheCommandThatCreatesIt() {
        Sink sink = target.sink("dataset: nope\ntable: items\n");
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no dataset proj:nope")
                .hasMessageContaining("bq mk --dataset");
    }

    @Test
    void permissionDeniedSaysBigQuerysMessageAndTheRolesToGrant() throws Exception {
        target.bq.createDataset("locked");
        target.bq.deny("locked");
        Sink sink = target.sink("dataset: locked\ntable: items\n");
        assertThatThrownBy(sink::check)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("Access Denied: Dataset proj:locked")
                .hasMessageContaining("BigQuery Data Editor");
    }

    @Test
    void mergeWithoutKeysIsRefusedWhenTheOptionsAreRead() {
        assertThatThrownBy(() -> target.sink("dataset: ds\ntable: t\nmode: merge\n"))
                .hasMessageContaining("mode merge matches rows on keys");
    }
}
