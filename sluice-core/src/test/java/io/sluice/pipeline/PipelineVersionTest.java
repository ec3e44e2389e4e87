package io.sluice.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline's version, recorded with every done split, changes with what shapes a split's output (the steps, the
 * sink's format, compression and partitioning, the source's options that change what its records are) and with nothing
 * else: not the way the YAML is written, not what the source reads, the run options, the ledger or where the sink
 * writes.
 */
class PipelineVersionTest {
    private static final String BASE = """
            pipeline: usage
            source: { files: { path: in, include: "*.csv" } }
            steps:
              - sql: SELECT region, CAST(amount AS DECIMAL(18,4)) AS amount FROM input WHERE region <> 'x  y'
              - aggregate: { group_by: [region], measures: { total: sum(amount), lines: count(*) } }
            sink: { files: { path: out, format: csv, partition_by: [region] } }
            """;

    @TempDir
    Path dir;

    private String version(String yaml) throws Exception {
        Path file = Files.writeString(Files.createTempFile(dir, "p-", ".yaml"), yaml);
        return PipelineLoader.withSystemEnv().load(file).version();
    }

    @Test
    void reformattingTheFileKeepsTheVersion() throws Exception {
        String base = version(BASE);
        // comments, block style, other key order, the query reflowed, an option written with its default value,
        // JSON-style quoting, a one-element list written as a scalar
        String reformatted = version("""
                # usage per region
                sink:
                  files:
                    partition_by: region      # hive folders
                    format: "csv"
                    path: ./out
                steps:
                  - sql: |
                      SELECT region,
                             CAST(amount AS DECIMAL(18,4)) AS amount
                      FROM input
                      WHERE region <> 'x  y'
                  - aggregate:
                      measures:
                        lines: count(*)
                        total: sum(amount)
                      emit: totals
                      group_by: [region]
                pipeline: usage
                source:
                  files: { include: "*.csv", path: in }
                """);
        assertThat(reformatted).isEqualTo(base);
    }

    @Test
    void whatDoesNotShapeTheOutputKeepsTheVersion() throws Exception {
        String base = version(BASE);
        assertThat(version(BASE.replace("include: \"*.csv\"", "include: \"**/*.csv\", settle: 1m")))
                .as("source options that choose what is read")
                .isEqualTo(base);
        assertThat(version(BASE.replace("include: \"*.csv\"", "include: \"*.csv\", header: true, encoding: utf-8")))
                .as("the source's shaping options written with their defaults")
                .isEqualTo(base);
        assertThat(version(BASE.replace("path: out", "path: elsewhere/out")))
                .as("where the sink writes")
                .isEqualTo(base);
        assertThat(version(BASE + "run: { parallelism: 3, lease: 5m, retries: { max: 9 } }\n"))
                .as("run options")
                .isEqualTo(base);
        assertThat(version(BASE + "state: { sqlite: other.db }\n"))
                .as("the ledger")
                .isEqualTo(base);
        assertThat(version(BASE.replace("pipeline: usage", "pipeline: renamed")))
                .as("the name")
                .isEqualTo(base);
    }

    @Test
    void whatShapesTheOutputChangesTheVersion() throws Exception {
        String base = version(BASE);
        assertThat(version(BASE.replace("AS amount FROM", "AS amount, 1 AS one FROM")))
                .as("a step's query")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("'x  y'", "'x y'")))
                .as("spaces inside a quoted literal")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("lines: count(*)", "lines: count(amount)")))
                .as("a measure")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("format: csv", "format: jsonl")))
                .as("the sink's format")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("format: csv", "format: csv, compression: gzip")))
                .as("compression")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace(", partition_by: [region]", "")))
                .as("partitioning")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("include: \"*.csv\"", "include: \"*.csv\", detect_types: false")))
                .as("csv columns read as text")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("include: \"*.csv\"", "include: \"*.csv\", encoding: latin-1")))
                .as("the files' encoding")
                .isNotEqualTo(base);
        assertThat(version(BASE.replace("include: \"*.csv\"", "include: \"*.csv\", header: false")))
                .as("no header line")
                .isNotEqualTo(base);
        String declared = BASE.replace("include: \"*.csv\"", "include: \"*.csv\", types: { amount: double }");
        assertThat(version(declared)).as("a csv column's declared type").isNotEqualTo(base);
        assertThat(version(declared.replace("double", "\"decimal(18,4)\"")))
                .as("another declared type")
                .isNotEqualTo(version(declared));
        String log = BASE.replace("include: \"*.csv\"", "include: \"*.log\", format: text");
        assertThat(version(log.replace(
                        "format: text", "format: text, parse: { delimiter: ' ', columns: [region, amount] }")))
                .as("text lines parsed into columns")
                .isNotEqualTo(version(log));
        String withoutAggregate = BASE.replace(
                "  - aggregate: { group_by: [region], measures: { total: sum(amount), lines: count(*) } }\n", "");
        assertThat(version(withoutAggregate)).as("a step removed").isNotEqualTo(base);
    }
}
