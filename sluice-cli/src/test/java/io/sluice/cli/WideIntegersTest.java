package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Integers past 64 bits in a csv file (ids, amounts in the smallest unit) are read as HUGEINT, which Parquet would hold
 * as a DOUBLE: they reach the output exactly, or their split fails saying why.
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
}
