package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integers past 64 bits in a csv file (ids, amounts in the smallest unit) are read as HUGEINT, which Parquet would hold
 * as a DOUBLE, and in JSON lines as a DOUBLE: they reach the output exactly, or their split fails saying why.
 */
class WideIntegersTest {
    @TempDir
    Path tmp;

    @Test
    void integersPast64BitsReachParquetExactly() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,v\n1,12345678901234567890123\n2,-99999999999999999999999999999999999999\n3,5\n");
        Path p = ws.pipeline("""
                pipeline: wide
                source: { files: { path: in } }
                sink: { files: { path: out, format: parquet } }
                run: { retries: { max: 3, backoff: 10ms } }
                """);
        CliRun.run(p).ok();
        assertThat(ws.outputRows("id, v::VARCHAR", "parquet"))
                .containsExactly("1|12345678901234567890123", "2|-99999999999999999999999999999999999999", "3|5");

        // 39 digits: no exact number Parquet holds takes it; the split fails naming the value, and is not retried
        ws.input("b.csv", "id,v\n4,150000000000000000000000000000000000000\n");
        CliRun r = CliRun.run(p);
        assertThat(r.code()).as("%s", r).isEqualTo(1);
        assertThat(r.all())
                .contains("v (a column of the output) holds 150000000000000000000000000000000000000, an integer of "
                        + "more than 38 digits")
                .contains("not retried");
        assertThat(ws.outputRows("id", "parquet")).containsExactly("1", "2", "3");
    }

    /** JSON lines: DuckDB alone read 123456789012345678901234567890 as a DOUBLE and wrote 1.2345678901234568e+29. */
    private static final String JSON = """
            {"id":1,"v":123456789012345678901234567890,"mixed":1.5,"o":{"x":123456789012345678901234567890},"l":[1,99999999999999999999]}
            {"id":2,"v":-5,"mixed":9007199254740993,"o":{"x":2.5},"l":[2.5]}
            {"id":3,"v":18446744073709551616}
            """;

    @Test
    void jsonIntegersPast64BitsReachJsonLinesExactly() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.jsonl", JSON);
        Path p = ws.pipeline("""
                pipeline: wide-json
                source: { files: { path: in } }
                sink: { files: { path: out, format: jsonl } }
                """);
        CliRun.run(p).ok();
        // every number as written: an integer column stays integers, and a column no one number type holds exactly
        // (a fraction beside an integer past 2^53; an object or array holding an integer past 64 bits) is JSON
        assertThat(Files.readAllLines(ws.outputFiles(".jsonl").getFirst()))
                .containsExactly(
                        "{\"id\":1,\"v\":123456789012345678901234567890,\"mixed\":1.5,"
                                + "\"o\":{\"x\":123456789012345678901234567890},\"l\":[1,99999999999999999999]}",
                        "{\"id\":2,\"v\":-5,\"mixed\":9007199254740993,\"o\":{\"x\":2.5},\"l\":[2.5]}",
                        "{\"id\":3,\"v\":18446744073709551616,\"mixed\":null,\"o\":null,\"l\":null}");
    }

    @Test
    void jsonIntegersPast64BitsReachParquetExactly() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.jsonl", JSON);
        Path p = ws.pipeline("""
                pipeline: wide-json
                source: { files: { path: in } }
                sink: { files: { path: out, format: parquet } }
                """);
        CliRun.run(p).ok();
        assertThat(ws.outputRows("id, typeof(v), v::VARCHAR, mixed::VARCHAR, o::VARCHAR, l::VARCHAR", "parquet"))
                .containsExactly(
                        "1|DECIMAL(38,0)|123456789012345678901234567890|1.5|{\"x\":123456789012345678901234567890}"
                                + "|[1,99999999999999999999]",
                        "2|DECIMAL(38,0)|-5|9007199254740993|{\"x\":2.5}|[2.5]",
                        "3|DECIMAL(38,0)|18446744073709551616|null|null|null");
    }
}
