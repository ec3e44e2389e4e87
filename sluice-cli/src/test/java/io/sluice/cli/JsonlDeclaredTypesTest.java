package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.files.types} for JSON lines: a declared key has its type in every file, range and tailed log's range,
 * whether its records hold the key or not; a value the type refuses, or would round or cut, is a bad record of its
 * line, and every other record is read.
 */
class JsonlDeclaredTypesTest {
    @TempDir
    Path dir;

    /** The run of a pipeline reading {@code in/*.jsonl} with {@code types}, under {@code onBadRecord}. */
    private static CliRun run(Workspace ws, String types, String onBadRecord) throws Exception {
        return CliRun.run(ws.pipeline("""
                pipeline: declared-json
                source: { files: { path: in, types: %s } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1, on_bad_record: %s }
                """.formatted(types, onBadRecord)));
    }

    /** A workspace whose pipeline ran successfully over {@code a.jsonl} holding {@code records}: see {@link #run}. */
    private Workspace ran(String records, String types, String onBadRecord) throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.jsonl", records);
        CliRun r = run(ws, types, onBadRecord);
        assertThat(r.code()).as(r.toString()).isZero();
        return ws;
    }

    /** Each output file's schema of {@code columns}, in order. */
    private static List<String> schemas(Workspace ws, String columns) throws Exception {
        List<String> schemas = new java.util.ArrayList<>();
        for (Path output : ws.outputFiles(".parquet")) {
            schemas.add(String.join(
                    ", ",
                    Workspace.query("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT " + columns
                            + " FROM read_parquet('" + output + "'))")));
        }
        return schemas;
    }

    /** Records of ids {@code from} to {@code to}, each with a note of about 100 bytes and {@code discount}. */
    private static String records(int from, int to, String discount) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append("{\"id\": ")
                    .append(i)
                    .append(", \"note\": \"")
                    .append("n".repeat(100))
                    .append('"');
            if (discount != null) b.append(", \"discount\": ").append(discount);
            b.append("}\n");
        }
        return b.toString();
    }

    /**
     * A log whose first range has no {@code discount} (then {@code null}) and whose appended records have decimals:
     * detected alone, the first outputs had no such column (or a JSON one) and the later ones DOUBLE.
     */
    @Test
    void aDeclaredKeyHasItsTypeInEveryRangeOfATailedLogWhetherItsRecordsHoldItOrNot() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path log = ws.input("app.log", records(0, 20, null) + records(20, 40, "null"));
        Path p = ws.pipeline("""
                pipeline: tailed-json
                source:
                  files: { path: in, include: "*.log", format: jsonl, tail: true, split_size: 1KB,
                           types: { discount: double, id: bigint } }
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun.run(p).ok();
        Files.writeString(log, records(40, 60, "1.25"), StandardOpenOption.APPEND);
        CliRun.run(p).ok();

        assertThat(ws.outputFiles(".parquet"))
                .as("the log was read in several ranges")
                .hasSizeGreaterThan(3);
        assertThat(schemas(ws, "id, discount")).containsOnly("discount DOUBLE, id BIGINT");
        assertThat(ws.outputRows("count(*), count(discount), sum(discount)", "parquet"))
                .containsExactly("60|20|25.0");
        assertThat(ws.deadLetters()).isEmpty();
    }

    @Test
    void aDeclaredKeyAbsentFromAFileIsAColumnOfNullsOfItsType() throws Exception {
        Workspace ws = ran("{\"id\": 1}\n{\"id\": 2}\n", "{ discount: 'decimal(10,2)' }", "fail");

        assertThat(schemas(ws, "*")).containsExactly("discount DECIMAL(10,2), id BIGINT");
        assertThat(ws.outputRows("id, discount IS NULL", "parquet")).containsExactly("1|true", "2|true");
    }

    /** Values of {@code n}, declared bigint, one a line from line 1; a blank line and a line that is not JSON among them. */
    private static final String VALUES = """
            {"id": 1, "n": 1}
            {"id": 2, "n": 1.5}

            {"id": 3, "n": "1.5"}
            {"id": 4, "n": "7"}
            not json
            {"id": 5, "n": true}
            {"id": 6, "n": {}}
            {"id": 7, "n": "n/a"}
            {"id": 8, "n": null}
            {"id": 9, "n": 1e3, "d": 0.129}
            {"id": 10, "n": 2, "d": "0.12"}
            """;

    @Test
    void aValueItsTypeRefusesOrWouldRoundIsADeadLetterOfItsLineTheOthersAreRead() throws Exception {
        Workspace ws = ran(VALUES, "{ n: bigint, d: 'decimal(10,2)' }", "dead_letter");

        // a JSON string holding a number is that number, as a csv value is
        assertThat(ws.outputRows("id, n, d", "parquet"))
                .containsExactlyInAnyOrder("1|1|null", "4|7|null", "8|null|null", "10|2|0.12");
        assertThat(schemas(ws, "d, n")).containsExactly("d DECIMAL(10,2), n BIGINT");
        assertThat(Workspace.query("SELECT file || '|' || line || '|' || reason FROM read_json('"
                        + ws.out().resolve("_dead_letter") + "/**/*.jsonl')"))
                .satisfiesExactlyInAnyOrder(
                        d -> assertThat(d).startsWith("a.jsonl|2|").contains("1.5", "'n'", "round", "double"),
                        d -> assertThat(d).startsWith("a.jsonl|4|").contains("1.5", "'n'", "round"),
                        d -> assertThat(d).startsWith("a.jsonl|6|").contains("not a valid JSON"),
                        d -> assertThat(d).startsWith("a.jsonl|7|").contains("true", "does not convert", "bigint"),
                        d -> assertThat(d).startsWith("a.jsonl|8|").contains("{}", "does not convert"),
                        d -> assertThat(d).startsWith("a.jsonl|9|").contains("n/a", "does not convert"),
                        d -> assertThat(d).startsWith("a.jsonl|11|").contains("0.129", "'d'", "round"));
    }

    /**
     * A declared type is a check of the input: a value it refuses under a key no step reads makes its record bad, alone
     * in its split (whose read checks itself in one pass, which reads only the keys the steps use) and beside a record
     * bad under a key the step reads.
     */
    @Test
    void aValueItsTypeRefusesUnderAKeyNoStepReadsIsABadRecord() throws Exception {
        for (String other : List.of("{\"id\": 3, \"p\": 3}", "{\"id\": 3, \"p\": 1.5}")) {
            Workspace ws = Workspace.in(dir.resolve(other.contains("1.5") ? "beside" : "alone"));
            ws.input(
                    "a.jsonl",
                    "{\"id\": 1, \"n\": \"n/a\", \"p\": 1}\n{\"id\": 2, \"n\": 2, \"p\": 2}\n" + other + "\n");
            CliRun r = CliRun.run(ws.pipeline("""
                    pipeline: declared-json
                    source: { files: { path: in, types: { n: bigint, p: bigint } } }
                    steps: [ { sql: 'SELECT id, p FROM input' } ]
                    sink: { files: { path: out, format: parquet } }
                    run: { parallelism: 1 }
                    """));

            assertThat(r.code()).as(r.toString()).isZero();
            boolean beside = other.contains("1.5");
            assertThat(r.out()).as(other).contains("rows 3 in, " + (beside ? "1 out, 2" : "2 out, 1") + " bad");
            assertThat(ws.outputRows("id", "parquet"))
                    .as(other)
                    .containsExactlyElementsOf(beside ? List.of("2") : List.of("2", "3"));
        }
    }

    @Test
    void underFailTheRunNamesTheFirstBadLine() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.jsonl", "{\"id\": 1, \"n\": 1}\n{\"id\": 2, \"n\": 2}\n{\"id\": 3, \"n\": 2.5}\n");
        CliRun r = run(ws, "{ n: bigint }", "fail");

        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.toString()).contains("a.jsonl line 3").contains("2.5").contains("round");
    }

    @Test
    void underSkipTheBadRecordsAreLeftOutAndTheOthersRead() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.jsonl", VALUES);
        CliRun r = run(ws, "{ n: bigint, d: 'decimal(10,2)' }", "skip");
        assertThat(r.code()).as(r.toString()).isZero();

        assertThat(r.out())
                .as("the six bad values and the line that is not JSON, counted")
                .contains("7 bad");
        assertThat(ws.outputRows("id", "parquet")).containsExactlyInAnyOrder("1", "4", "8", "10");
        assertThat(ws.deadLetters()).isEmpty();
    }

    /**
     * Keys alike but for their case ({@code Discount} in one file, {@code discount} in another) are two columns that
     * declared types cannot type: the split fails naming both, instead of being read as detected, the types dropped.
     */
    @Test
    void keysAlikeButForTheirCaseFailTheSplitNamingThemInsteadOfDroppingTheTypes() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("f1.jsonl", "{\"id\": 1, \"Discount\": 1.5}\n");
        ws.input("f2.jsonl", "{\"id\": 2, \"discount\": \"n/a\"}\n");
        failsSaying(
                ws,
                "{ discount: double }",
                "\"Discount\" (f1.jsonl)",
                "\"discount\" (f2.jsonl)",
                "alike but for their case",
                "Rename one of the keys",
                "remove source.files.types");
    }

    /** Runs the pipeline of {@code ws} with {@code types}: it fails saying each of {@code texts}, writing nothing. */
    private static void failsSaying(Workspace ws, String types, String... texts) throws Exception {
        CliRun r = run(ws, types, "dead_letter");
        assertThat(r.code()).as(r.toString()).isNotZero();
        assertThat(r.toString()).contains(texts);
        assertThat(ws.outputFiles(".parquet")).isEmpty();
    }

    /** Keys {@code price} and {@code price_1}, two keys as written (not DuckDB's renaming), have their declared types. */
    @Test
    void aKeyAndTheSameKeyWithANumberAreTwoKeysTyped() throws Exception {
        Workspace ws = ran(
                "{\"id\": 1, \"price\": 1, \"price_1\": 1.5}\n{\"id\": 2, \"price\": \"n/a\", \"price_1\": 2}\n",
                "{ price: bigint, price_1: 'decimal(10,2)' }",
                "dead_letter");

        assertThat(schemas(ws, "price, price_1")).containsExactly("price BIGINT, price_1 DECIMAL(10,2)");
        assertThat(ws.outputRows("id, price, price_1", "parquet")).containsExactly("1|1|1.50");
        assertThat(ws.deadLetters()).singleElement().asString().contains("n/a", "'price'", "does not convert");
    }

    /**
     * A nested type declared for a key is refused when the pipeline is loaded: DuckDB's reader gives such a value NULLs
     * or rounds its numbers silently ({@code {"a": "x"}} as {@code struct(a bigint)} was {@code {'a': NULL}}).
     */
    @Test
    void aNestedTypeOtherThanJsonIsRefusedWhenThePipelineIsLoaded() throws Exception {
        for (String type : List.of("'struct(a bigint)'", "'bigint[]'", "'map(varchar, bigint)'")) {
            Workspace ws = Workspace.in(Files.createTempDirectory(dir, "nested"));
            ws.input("a.jsonl", "{\"id\": 1, \"s\": {\"a\": \"x\"}}\n");
            failsSaying(ws, "{ s: " + type + " }", type.replace("'", ""), "declare json", "step", "types");
        }
    }

    /**
     * A line holding only a form feed or a vertical tab is blank to DuckDB's reader, as to the numbering of lines: the
     * bad value after it is named by its own line.
     */
    @Test
    void aLineOfAFormFeedOrAVerticalTabDoesNotShiftTheLineOfABadValue() throws Exception {
        Workspace ws = ran(
                "{\"id\": 1, \"n\": 1}\n\f\n\u000b\n{\"id\": 2, \"n\": \"\"}\n{\"id\": 3, \"n\": 3}\n",
                "{ n: bigint }",
                "dead_letter");

        assertThat(ws.outputRows("id", "parquet")).containsExactly("1", "3");
        assertThat(Workspace.query("SELECT line || '|' || reason FROM read_json('"
                        + ws.out().resolve("_dead_letter") + "/**/*.jsonl')"))
                .singleElement()
                .asString()
                .startsWith("4|")
                .contains("the value '' of key 'n'");
    }

    /**
     * A line that is a JSON value but no object ({@code 42}, {@code [1]}, {@code null}) has no keys to type: it is a bad
     * record of its line, under every policy, and the objects around it are read with their declared types. It failed
     * the split (DuckDB then reads the lines as one {@code json} column, which the declared types cannot type).
     */
    @Test
    void aLineThatIsNotAnObjectIsABadRecordOfItsLineTheObjectsAreRead() throws Exception {
        for (String odd : List.of("42", "[1]", "null")) {
            String records = "{\"id\": 1, \"n\": 1}\n" + odd + "\n{\"id\": 2, \"n\": \"7\"}\n";
            Workspace dead = Workspace.in(Files.createTempDirectory(dir, "dead"));
            dead.input("a.jsonl", records);
            CliRun r = run(dead, "{ n: bigint }", "dead_letter");
            assertThat(r.code()).as(odd + ": " + r).isZero();
            assertThat(r.out()).as(odd).contains("rows 3 in, 2 out, 1 bad");
            assertThat(dead.outputRows("id, n", "parquet")).as(odd).containsExactlyInAnyOrder("1|1", "2|7");
            assertThat(schemas(dead, "id, n")).as(odd).containsExactly("id BIGINT, n BIGINT");
            assertThat(Workspace.query("SELECT file || '|' || line || '|' || reason || '|' || record FROM read_json('"
                            + dead.out().resolve("_dead_letter") + "/**/*.jsonl')"))
                    .as(odd)
                    .singleElement()
                    .asString()
                    .startsWith("a.jsonl|2|")
                    .contains("must be a JSON object")
                    .endsWith("|" + odd);

            Workspace skip = Workspace.in(Files.createTempDirectory(dir, "skip"));
            skip.input("a.jsonl", records);
            r = run(skip, "{ n: bigint }", "skip");
            assertThat(r.code()).as(odd + ": " + r).isZero();
            assertThat(r.out()).as(odd).contains("rows 3 in, 2 out, 1 bad");
            assertThat(skip.outputRows("id", "parquet")).as(odd).containsExactlyInAnyOrder("1", "2");

            Workspace fail = Workspace.in(Files.createTempDirectory(dir, "fail"));
            fail.input("a.jsonl", records);
            r = run(fail, "{ n: bigint }", "fail");
            assertThat(r.code()).as(odd + ": " + r).isNotZero();
            assertThat(r.toString()).as(odd).contains("a.jsonl line 2", "must be a JSON object");
            assertThat(fail.outputFiles(".parquet")).as(odd).isEmpty();
        }
    }

    /**
     * A tailed log with a line that is not an object: the range holding it has its other records read with the declared
     * types, as a range whose only line is one (its output: none, the line a bad record).
     */
    @Test
    void aLineThatIsNotAnObjectInATailedLogIsABadRecordOfItsRange() throws Exception {
        Workspace ws = Workspace.in(dir);
        Path log = ws.input("app.log", records(0, 20, "0.5") + "42\n" + records(20, 30, "1"));
        Path p = ws.pipeline("""
                pipeline: tailed-json
                source:
                  files: { path: in, include: "*.log", format: jsonl, tail: true, split_size: 1KB,
                           types: { discount: double, id: bigint } }
                sink: { files: { path: out, format: parquet } }
                run: { on_bad_record: dead_letter }
                """);
        CliRun.run(p).ok();
        // a range of one line, not an object
        Files.writeString(log, "[1]\n", StandardOpenOption.APPEND);
        CliRun.run(p).ok();
        Files.writeString(log, records(30, 40, "2"), StandardOpenOption.APPEND);
        CliRun.run(p).ok();

        assertThat(schemas(ws, "id, discount")).containsOnly("discount DOUBLE, id BIGINT");
        assertThat(ws.outputRows("count(*), count(DISTINCT id), sum(discount)", "parquet"))
                .containsExactly("40|40|40.0");
        assertThat(Workspace.query("SELECT line || '|' || reason FROM read_json('"
                        + ws.out().resolve("_dead_letter") + "/**/*.jsonl') ORDER BY line"))
                .satisfiesExactly(
                        d -> assertThat(d).startsWith("21|").contains("must be a JSON object"),
                        d -> assertThat(d).startsWith("32|").contains("must be a JSON object"));
    }
}
