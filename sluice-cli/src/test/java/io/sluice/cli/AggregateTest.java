package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static io.sluice.cli.CliRun.sluice;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code aggregate} step: however the input is cut into splits, and however often a split is replayed, the
 * totals are those of one query over all the input, computed here by DuckDB reading the files directly.
 */
@ExtendWith(WorkspaceExtension.class)
class AggregateTest {
    private static final String[] CONSUMERS = {"alice", "bob", "zoë", "日本", ""};
    private static final String[] RESOURCES = {"cpu", "mem", "disk"};

    /** Every measure, as the user declares it, and the same measure in plain SQL for the expected rows. */
    private static final Map<String, String[]> MEASURES = new LinkedHashMap<>();

    static {
        MEASURES.put("total", new String[] {"sum(amount)", "sum(amount)"});
        MEASURES.put("cost", new String[] {"sum(price)", "sum(price)"});
        MEASURES.put("lines", new String[] {"count(*)", "count(*)"});
        MEASURES.put("priced", new String[] {"count(price)", "count(price)"});
        MEASURES.put("lo", new String[] {"min(amount)", "min(amount)"});
        MEASURES.put("hi", new String[] {"max(amount)", "max(amount)"});
        MEASURES.put("first_seen", new String[] {"min(ts)", "min(ts)"});
        MEASURES.put("mean", new String[] {"avg(amount)", "avg(amount)"});
        MEASURES.put("mean_price", new String[] {"avg(price)", "avg(price)"});
        MEASURES.put("users", new String[] {"count_distinct(\"user\")", "count(DISTINCT \"user\")"});
        MEASURES.put("users_too", new String[] {"count(distinct \"user\")", "count(DISTINCT \"user\")"});
        MEASURES.put("billed", new String[] {"sum(price * 2)", "sum(price * 2)"});
    }

    private static final String COLUMNS = "{'ts': 'TIMESTAMP', 'consumer': 'VARCHAR', 'resource': 'VARCHAR', "
            + "'amount': 'BIGINT', 'price': 'DECIMAL(18,4)', 'user': 'VARCHAR'}";

    private final Workspace ws;

    AggregateTest(Workspace ws) {
        this.ws = ws;
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * Usage lines: amounts near 10^15, so sums pass 2^53 and a DOUBLE would round them; prices with 4 decimals;
     * some consumers, amounts, prices and users empty (NULL).
     */
    private static String usage(int lines, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            String amount =
                    r.nextInt(20) == 0 ? "" : Long.toString(100_000_000_000_000L + (r.nextLong() & 0xFFFFFFFFFFFFFL));
            String price =
                    r.nextInt(10) == 0 ? "" : r.nextInt(1_000_000) + "." + String.format("%04d", r.nextInt(10_000));
            String user = r.nextInt(10) == 0 ? "" : "u" + r.nextInt(40);
            b.append("2026-11-%02d %02d:%02d:%02d"
                            .formatted(1 + r.nextInt(3), r.nextInt(24), r.nextInt(60), r.nextInt(60)))
                    .append(',')
                    .append(CONSUMERS[r.nextInt(CONSUMERS.length)])
                    .append(',')
                    .append(RESOURCES[r.nextInt(RESOURCES.length)])
                    .append(',')
                    .append(amount)
                    .append(',')
                    .append(price)
                    .append(',')
                    .append(user)
                    .append('\n');
        }
        return b.toString();
    }

    private void usageFiles(int files, int linesEach) throws Exception {
        for (int f = 0; f < files; f++) ws.input("day%d/usage-%03d.log".formatted(f % 3, f), usage(linesEach, f));
    }

    /** The aggregate block's body (indented under {@code - aggregate:}). */
    private Path pipeline(String name, String aggregate, String sink) throws Exception {
        return ws.pipeline(name + ".yaml", """
                pipeline: %s
                source:
                  files:
                    path: in
                    include: "**/*.log"
                    format: text
                    pack: { max_files: 5 }
                    parse:
                      delimiter: ','
                      columns: [ts, consumer, resource, amount, price, user]
                      types: { ts: timestamp, amount: bigint, price: 'decimal(18,4)' }
                steps:
                  - aggregate:
                %ssink:
                  files: { path: out, format: parquet%s }
                run:
                  parallelism: 4
                """.formatted(name, aggregate.indent(6), sink));
    }

    private static String measures(String... names) {
        StringBuilder b = new StringBuilder("measures:\n");
        for (String n : names)
            b.append("  ").append(n).append(": '").append(MEASURES.get(n)[0]).append("'\n");
        return b.toString();
    }

    private static String expectedMeasures(String... names) {
        return Stream.of(names).map(n -> MEASURES.get(n)[1] + " AS " + n).collect(Collectors.joining(", "));
    }

    /** The query run by DuckDB directly over every input file. */
    private List<String> expected(String select, String groupBy) throws Exception {
        return Workspace.query("SELECT " + select + " FROM read_csv('" + ws.in() + "/**/*.log', header = false, "
                + "columns = " + COLUMNS + ")" + (groupBy.isEmpty() ? "" : " GROUP BY " + groupBy));
    }

    private List<String> totals(String select) throws Exception {
        return ws.outputRows(select, "parquet");
    }

    /** Column name to type of the totals, in order. */
    private Map<String, String> totalsTypes() throws Exception {
        Map<String, String> types = new LinkedHashMap<>();
        try (var c = java.sql.DriverManager.getConnection("jdbc:duckdb:");
                var s = c.createStatement();
                var r = s.executeQuery(
                        "DESCRIBE SELECT * FROM read_parquet('" + ws.out().resolve("totals.parquet") + "')")) {
            while (r.next()) types.put(r.getString("column_name"), r.getString("column_type"));
        }
        return types;
    }

    private List<String> partialFiles() throws Exception {
        Path dir = ws.out().resolve("_sluice/partials");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- measures --------------------------------------------------------------------------------------

    @Test
    void everyMeasureOverManyPackedFilesEqualsOneQueryOverAllTheFiles() throws Exception {
        usageFiles(40, 60);
        String[] names = MEASURES.keySet().toArray(String[]::new);
        Path p = pipeline("measures", "group_by: [consumer, resource]\n" + measures(names), "");
        CliRun r = run(p).ok();
        assertThat(r.all()).contains("totals rebuilt: 15 row(s)");
        JsonNode splits = CliRun.status(p).get("splits");
        assertThat(splits.size())
                .as("the files were packed into several splits")
                .isGreaterThanOrEqualTo(8);
        assertThat(partialFiles()).as("one partial per split").hasSize(splits.size());
        assertThat(ws.outputFiles(".parquet"))
                .as("only the totals are visible output")
                .containsExactly(ws.out().resolve("totals.parquet"));

        String select = "consumer, resource, " + String.join(", ", names);
        List<String> expected = expected("consumer, resource, " + expectedMeasures(names), "consumer, resource");
        assertThat(expected).hasSize(15);
        CliRun.assertSameRows(totals(select), expected);

        // exact types: an integer sum is a decimal with no scale (a DOUBLE would round sums past 2^53), a decimal sum
        // keeps its scale, counts are BIGINT
        Map<String, String> types = totalsTypes();
        assertThat(types)
                .containsEntry("total", "DECIMAL(38,0)")
                .containsEntry("cost", "DECIMAL(38,4)")
                .containsEntry("lines", "BIGINT")
                .containsEntry("priced", "BIGINT")
                .containsEntry("users", "BIGINT")
                .containsEntry("lo", "BIGINT")
                .containsEntry("first_seen", "TIMESTAMP");
        assertThat(types.keySet()).containsExactly(select.split(", "));
        List<String> bigSums = totals("CAST(total AS VARCHAR)");
        assertThat(bigSums).allSatisfy(s -> assertThat(s).matches("\\d{17,}"));
    }

    @Test
    void integersPast64BitsAreSummedComparedAndCountedExactly() throws Exception {
        // DuckDB reads a csv column of integers past 64 bits as HUGEINT, which Parquet (the partials) would hold as a
        // DOUBLE: the two values of group a, one apart, would come back as one
        ws.input("a.csv", "k,v\na,12345678901234567890123\na,1\nb,99999999999999999999999999999999999990\n");
        ws.input("b.csv", "k,v\na,12345678901234567890124\nb,5\n");
        Path p = ws.pipeline("big.yaml", """
                pipeline: big
                source:
                  files: { path: in, include: "*.csv", pack: { max_files: 1 } }
                steps:
                  - aggregate:
                      group_by: [k]
                      measures: { total: sum(v), hi: max(v), lo: min(v), values: count_distinct(v), mean: avg(v) }
                sink:
                  files: { path: out, format: csv }
                """);
        run(p).ok();
        assertThat(Files.readString(ws.out().resolve("totals.csv"))).isEqualTo("""
                        k,total,hi,lo,values,mean
                        a,24691357802469135780248,12345678901234567890124,1,3,8.230452600823045e+21
                        b,99999999999999999999999999999999999995,99999999999999999999999999999999999990,5,2,5e+37
                        """);

        // past 38 digits (DuckDB's BIGNUM) no exact total holds the value: the split fails and says so, where the sum
        // was a DOUBLE before
        ws.input("c.csv", "k,v\nc,123456789012345678901234567890123456789012\nc,1\n");
        CliRun r = run(p);
        assertThat(r.all())
                .contains("measure total: sum(v) adds integers of more than 38 digits, which no exact total "
                        + "(DECIMAL(38,0)) holds; sum them as doubles, knowingly rounded (sum((v)::DOUBLE))")
                .contains("not retried");
        assertThat(Files.readString(ws.out().resolve("totals.csv"))).doesNotContain("c,");
    }

    @Test
    void timeWindowsGroupByBucketWithItsStartAndEnd() throws Exception {
        usageFiles(12, 80);
        Path p = pipeline("windows", """
                group_by: consumer
                window: { column: ts, size: 1h }
                """ + measures("lines", "total", "users"), "");
        run(p).ok();
        assertThat(totalsTypes()).containsEntry("window_start", "TIMESTAMP").containsEntry("window_end", "TIMESTAMP");
        List<String> expected = expected(
                "consumer, time_bucket(INTERVAL 1 hour, ts) AS ws, ws + INTERVAL 1 hour, "
                        + expectedMeasures("lines", "total", "users"),
                "consumer, ws");
        assertThat(expected.size()).isGreaterThan(100);
        CliRun.assertSameRows(totals("consumer, window_start, window_end, lines, total, users"), expected);

        Path q = ws.pipeline(
                "q.yaml",
                Files.readString(p)
                        .replace("size: 1h", "size: 15m")
                        .replace("pipeline: windows", "pipeline: quarter")
                        .replace("path: out", "path: out15"));
        run(q).ok();
        List<String> quarter = expected(
                "consumer, time_bucket(INTERVAL 15 minutes, ts) AS ws, ws + INTERVAL 15 minutes, " + "count(*)",
                "consumer, ws");
        List<String> actual = Workspace.query("SELECT consumer, window_start, window_end, lines FROM read_parquet('"
                + ws.dir().resolve("out15/totals.parquet") + "')");
        CliRun.assertSameRows(actual, quarter);
    }

    @Test
    void withoutGroupByTheTotalsAreOneRow() throws Exception {
        usageFiles(20, 50);
        Path p = pipeline("all", measures("lines", "total", "cost", "mean", "users_too", "hi"), "");
        run(p).ok();
        assertThat(CliRun.status(p).get("splits").size()).isGreaterThan(1);
        List<String> rows = totals("lines, total, cost, mean, users_too, hi");
        assertThat(rows)
                .hasSize(1)
                .isEqualTo(expected(expectedMeasures("lines", "total", "cost", "mean", "users_too", "hi"), ""));
        assertThat(rows.getFirst()).startsWith("1000|");
    }

    // ---- runs and replays --------------------------------------------------------------------------------

    @Test
    void aSecondRunWithOneNewFileUpdatesTheTotalsExactly() throws Exception {
        usageFiles(25, 40);
        Path p = pipeline(
                "second", "group_by: [consumer, resource]\n" + measures("lines", "total", "cost", "users"), "");
        run(p).ok();
        String select = "consumer, resource, lines, total, cost, users";
        String expectedSelect = "consumer, resource, " + expectedMeasures("lines", "total", "cost", "users");
        List<String> before = totals(select);
        CliRun.assertSameRows(before, expected(expectedSelect, "consumer, resource"));

        ws.input("day9/new.log", usage(300, 99));
        CliRun second = run(p).ok();
        assertThat(second.all()).contains("planned 1 new split(s)").contains("25 input(s) already processed");
        List<String> after = totals(select);
        assertThat(after).isNotEqualTo(before);
        CliRun.assertSameRows(after, expected(expectedSelect, "consumer, resource"));
        assertThat(ws.outputFiles(".parquet")).containsExactly(ws.out().resolve("totals.parquet"));
    }

    @Test
    void replayingEverySplitReplacesItsPartialAndNeverCountsTwice() throws Exception {
        usageFiles(30, 40);
        Path p = pipeline(
                "replay", "group_by: [consumer, resource]\n" + measures("lines", "total", "cost", "lo", "users"), "");
        run(p).ok();
        String select = "consumer, resource, lines, total, cost, lo, users";
        List<String> first = totals(select);
        List<String> partials = partialFiles();

        // forget the ledger only: every split is planned again with the same id, replayed, and replaces its partial
        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        CliRun again = run(p).ok();
        assertThat(again.all()).contains("planned " + partials.size() + " new split(s)");
        assertThat(partialFiles()).isEqualTo(partials);
        assertThat(totals(select)).isEqualTo(first);
        CliRun.assertSameRows(
                first,
                expected(
                        "consumer, resource, " + expectedMeasures("lines", "total", "cost", "lo", "users"),
                        "consumer, resource"));
    }

    @Test
    void afterAResetThatCutsTheInputDifferentlyTheOldPartialsDoNotCount() throws Exception {
        usageFiles(30, 40);
        Path p = pipeline("recut", "group_by: consumer\n" + measures("lines", "total"), "");
        run(p).ok();
        // a file that sorts between the others: planned alone now, but packed with others after a reset
        ws.input("day0/usage-000a.log", usage(50, 1234));
        run(p).ok();
        String expectedSelect = "consumer, " + expectedMeasures("lines", "total");
        CliRun.assertSameRows(totals("consumer, lines, total"), expected(expectedSelect, "consumer"));

        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        run(p).ok();
        CliRun.assertSameRows(totals("consumer, lines, total"), expected(expectedSelect, "consumer"));
        assertThat(totals("sum(lines)")).containsExactly("1250");
    }

    // ---- emit: changes -----------------------------------------------------------------------------------

    private List<Path> changeFiles() throws Exception {
        return ws.outputFiles(".csv");
    }

    @Test
    void emitChangesWritesOnlyTheChangedGroupsAsANewFileEachTime() throws Exception {
        usageFiles(10, 40);
        Path p = pipeline(
                "changes", "group_by: [consumer, resource]\n" + measures("lines", "total") + "emit: changes\n", "");
        Files.writeString(p, Files.readString(p).replace("format: parquet", "format: csv"));
        run(p).ok();
        List<Path> first = changeFiles();
        assertThat(first)
                .singleElement()
                .satisfies(f -> assertThat(f.getFileName().toString()).matches("changes-[0-9a-f]{16}\\.csv"));
        String expectedSelect = "consumer, resource, " + expectedMeasures("lines", "total");
        CliRun.assertSameRows(
                Workspace.query("SELECT consumer, resource, lines, total FROM read_csv('" + first.getFirst() + "')"),
                expected(expectedSelect, "consumer, resource"));
        assertThat(ws.out().resolve("totals.csv")).doesNotExist();

        // new lines for one group only: the next file holds that group, with its new totals
        ws.input("day5/more.log", "2026-11-02 10:00:00,bob,mem,5,1.5000,u1\n2026-11-02 11:00:00,bob,mem,7,,u99\n");
        run(p).ok();
        List<Path> second = new ArrayList<>(changeFiles());
        second.removeAll(first);
        assertThat(second).hasSize(1);
        List<String> bobMem = expected(expectedSelect, "consumer, resource").stream()
                .filter(r -> r.startsWith("bob|mem|"))
                .toList();
        assertThat(Workspace.query(
                        "SELECT consumer, resource, lines, total FROM read_csv('" + second.getFirst() + "')"))
                .isEqualTo(bobMem);

        // nothing new: no new file, and the earlier ones stay
        List<Path> before = changeFiles();
        CliRun third = run(p).ok();
        assertThat(third.all()).contains("changed groups written: 0 row(s)");
        assertThat(changeFiles()).isEqualTo(before).hasSize(2);

        // the same after a replay of every split: nothing changed
        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        run(p).ok();
        assertThat(changeFiles()).isEqualTo(before);
    }

    // ---- validation and partitions -------------------------------------------------------------------

    @Test
    void aStepAfterAnAggregateIsRefused() throws Exception {
        usageFiles(1, 5);
        Path p = ws.pipeline(Files.readString(pipeline("after", "group_by: consumer\n" + measures("lines"), ""))
                .replace("sink:", "  - sql: SELECT * FROM input\nsink:"));
        List<String> yaml = Files.readAllLines(p);
        int line = yaml.indexOf("  - sql: SELECT * FROM input") + 1;
        for (CliRun r : List.of(sluice("validate", p.toString()), run(p))) {
            assertThat(r.code()).as(r.toString()).isEqualTo(2);
            assertThat(r.err())
                    .contains(p + ":" + line + ":")
                    .contains("steps[1]")
                    .contains("no step may follow an aggregate");
        }
        assertThat(ws.out()).doesNotExist();

        Path bad = pipeline("badmeasure", "measures: { m: 'median(amount)' }\n", "");
        CliRun r = sluice("validate", bad.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(2);
        assertThat(r.err())
                .contains("steps[0].aggregate.measures")
                .contains("median(amount)")
                .contains("count_distinct(x)");

        // two calls in one measure would merge per-split results (the max of each split's spread): refused
        Path two = pipeline("twocalls", "measures: { spread: 'max(amount) - min(amount)' }\n", "");
        CliRun t = sluice("validate", two.toString());
        assertThat(t.code()).as(t.toString()).isEqualTo(2);
        assertThat(t.err())
                .contains("steps[0].aggregate.measures")
                .contains("spread")
                .contains("must be one function call");
        // parentheses inside the argument and in quoted text are fine
        Path nested = pipeline(
                "nested", "measures: { m: \"sum(CASE WHEN consumer = ')' THEN (amount * (2)) ELSE 0 END)\" }\n", "");
        assertThat(sluice("validate", nested.toString()).code()).isZero();
    }

    @Test
    void partitionedTotalsReplaceStalePartitions() throws Exception {
        ws.input("a.log", "2026-11-01 10:00:00,zed,cpu,1,1.0000,u1\n2026-11-01 10:00:00,zed,mem,2,1.0000,u1\n");
        ws.input("b.log", "2026-11-01 10:00:00,bob,cpu,10,1.0000,u1\n");
        Path p = pipeline(
                "parts", "group_by: [consumer, resource]\n" + measures("lines", "total"), ", partition_by: [consumer]");
        Files.writeString(p, Files.readString(p).replace("max_files: 5", "max_files: 1"));
        run(p).ok();
        assertThat(Files.exists(ws.out().resolve("consumer=zed"))).isTrue();
        CliRun.assertSameRows(
                totals("consumer, resource, lines, total"), List.of("bob|cpu|1|10", "zed|cpu|1|1", "zed|mem|1|2"));

        // a.log is rewritten (zed renamed amy) and replayed under the same split id: zed's partition must go
        ws.input("a.log", "2026-11-01 10:00:00,amy,cpu,3,1.0000,u1\n");
        assertThat(sluice("reset", p.toString(), "--yes").code()).isZero();
        run(p).ok();
        CliRun.assertSameRows(totals("consumer, resource, lines, total"), List.of("amy|cpu|1|3", "bob|cpu|1|10"));
        try (Stream<Path> walk = Files.walk(ws.out())) {
            assertThat(walk.filter(Files::isRegularFile)
                            .map(f -> ws.out().relativize(f).toString())
                            .filter(f -> !f.startsWith("_")))
                    .allMatch(f -> f.startsWith("consumer=amy/") || f.startsWith("consumer=bob/"))
                    .hasSize(2);
        }
    }
}
