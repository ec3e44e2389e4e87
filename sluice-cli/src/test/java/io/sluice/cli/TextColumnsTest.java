package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code detect_types: false}: a csv's values reach the sink exactly as written. With detection, DuckDB reads {@code f}
 * as false, {@code 1e5} as 100000.0 and {@code 0.50} as 0.5, so a CSV copied to CSV would not keep its values.
 */
class TextColumnsTest {
    @TempDir
    Path tmp;

    private static final String CSV = "zip,flag,code,amount\n01234,f,1e5,0.50\n98765,t,2e3,12.00\n";

    private List<String> copied(String sourceExtra, String steps) throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", CSV);
        Path p = ws.pipeline("""
                pipeline: copy
                source: { files: { path: in%s } }
                %ssink: { files: { path: out, format: csv } }
                """.formatted(sourceExtra, steps));
        CliRun.run(p).ok();
        List<String> lines = new ArrayList<>();
        for (Path f : ws.outputFiles(".csv")) lines.addAll(Files.readAllLines(f));
        return lines;
    }

    @Test
    void withoutTypeDetectionACsvIsCopiedValueForValue() throws Exception {
        assertThat(copied(", detect_types: false", ""))
                .containsExactly("zip,flag,code,amount", "01234,f,1e5,0.50", "98765,t,2e3,12.00");
    }

    /**
     * A quoted empty field is an empty string, an unquoted one NULL (as DuckDB's own csv writer and PostgreSQL's
     * {@code COPY ... CSV} tell them apart): DuckDB's reader took both for NULL, so an empty name became a missing one.
     */
    @Test
    void withoutTypeDetectionAQuotedEmptyFieldStaysAnEmptyString() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,name,note\n1,\"\",\n2,,\"\"\n3,\" \",x\n");
        Path p = ws.pipeline("""
                pipeline: copy
                source: { files: { path: in, detect_types: false } }
                sink: { files: { path: out, format: jsonl } }
                """);
        CliRun.run(p).ok();
        assertThat(Files.readAllLines(ws.outputFiles(".jsonl").getFirst()))
                .containsExactly(
                        "{\"id\":\"1\",\"name\":\"\",\"note\":null}",
                        "{\"id\":\"2\",\"name\":null,\"note\":\"\"}",
                        "{\"id\":\"3\",\"name\":\" \",\"note\":\"x\"}");

        Files.writeString(p, Files.readString(p).replace("format: jsonl", "format: csv"));
        ws.forgetRuns();
        CliRun.run(p).ok();
        assertThat(Files.readAllLines(ws.outputFiles(".csv").getFirst()))
                .containsExactly("id,name,note", "1,\"\",", "2,,\"\"", "3, ,x");
    }

    @Test
    void withTypeDetectionTheValuesAreRetyped() throws Exception {
        // what the option is for: the default reads types, and writes them as DuckDB does
        assertThat(copied("", "")).doesNotContain("01234,f,1e5,0.50");
    }

    @Test
    void aStepGivesTheTextColumnsTheirTypes() throws Exception {
        assertThat(copied(
                        ", detect_types: false",
                        "steps:\n  - sql: SELECT zip, CAST(amount AS DECIMAL(10,2)) * 2 AS doubled FROM input\n"))
                .containsExactly("zip,doubled", "01234,1.00", "98765,24.00");
    }

    @Test
    void detectTypesIsForCsvOnly() throws Exception {
        Workspace ws = Workspace.in(tmp);
        Path p = ws.pipeline("""
                pipeline: wrong
                source: { files: { path: in, format: jsonl, detect_types: false } }
                sink: { files: { path: out } }
                """);
        CliRun r = CliRun.run(p);
        assertThat(r.code()).as("%s", r).isEqualTo(2);
        assertThat(r.err()).contains(p + ":2:").contains("detect_types is for csv files");
    }
}
