package io.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files packed into one split may have different columns: each keeps its values, under its own column names. */
class MixedColumnsPackTest {
    @TempDir
    Path tmp;

    @Test
    void aPackOfFilesWithDifferentHeadersIsReadByColumnName() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,name,v\n1,x,10\n2,y,20\n");
        ws.input("b.csv", "id,name\n3,z\n");
        ws.input("c.csv", "v,id,name\n40,4,w\n");
        ws.input("d.csv.gz", Workspace.gzip("id,name,v\n5,q,50\n"));
        Path p = ws.pipeline("""
                pipeline: mixed
                source: { files: { path: in, pack: { max_files: 10 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1 }
                """);
        CliRun run = CliRun.run(p);
        assertThat(run.code()).as("%s", run).isZero();
        assertThat(CliRun.status(p).get("counts").get("done").asLong()).isEqualTo(1);
        assertThat(ws.outputRows("id, name, v", "parquet"))
                .isEqualTo(List.of("1|x|10", "2|y|20", "3|z|null", "4|w|40", "5|q|50"));
    }

    @Test
    void jsonKeysAndTypesFirstSeenLateInAFileOrInALaterFileOfAPackAreKept() throws Exception {
        // DuckDB takes a JSON file's columns from its first 20,480 records and the first 32 files: a key seen after
        // that was dropped, and a value of another type became NULL, both without a word
        Workspace ws = Workspace.in(tmp);
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 25_000; i++) big.append("{\"id\": ").append(i).append(", \"v\": 1}\n");
        big.append("{\"id\": 25000, \"v\": \"text\", \"late\": \"kept\"}\n");
        ws.input("a.jsonl", big.toString());
        for (int i = 0; i < 40; i++) ws.input(String.format("b%02d.jsonl", i), "{\"id\": " + (100_000 + i) + "}\n");
        ws.input("b40.jsonl", "{\"id\": 100040, \"other\": true}\n");
        Path p = ws.pipeline("""
                pipeline: late
                source: { files: { path: in, pack: { max_files: 100 } } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 1 }
                """);
        CliRun run = CliRun.run(p);
        assertThat(run.code()).as("%s", run).isZero();
        assertThat(ws.outputRows("id, v, late", "parquet")).contains("25000|\"text\"|kept", "0|1|null");
        assertThat(ws.outputRows("id, other", "parquet")).contains("100040|true", "100000|null");
    }

    @Test
    void filesWithoutRowsAddNoColumnAndLeaveTheTypesOfTheOthers() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,name\n1,a\n");
        ws.input("b_empty.csv", "");
        ws.input("c_header.csv", "id,other\n");
        ws.input("d.csv", "id,name\n2,b\n");
        ws.input("e_empty.csv.gz", Workspace.gzip(""));
        Path p = ws.pipeline("""
                pipeline: empties
                source: { files: { path: in, pack: { max_files: 10 } } }
                sink: { files: { path: out, format: jsonl } }
                run: { parallelism: 1 }
                """);
        CliRun run = CliRun.run(p, "--summary-json", tmp.resolve("summary.json").toString());
        assertThat(run.code()).as("%s", run).isZero();
        assertThat(CliRun.status(p).get("counts").get("done").asLong()).isEqualTo(1);
        List<String> lines = new java.util.ArrayList<>();
        for (Path f : ws.outputFiles(".jsonl")) lines.addAll(Files.readAllLines(f));
        // the ids keep their type (a header-only file read with the others made them text), and no column0
        assertThat(lines).containsExactly("{\"id\":1,\"name\":\"a\"}", "{\"id\":2,\"name\":\"b\"}");
        JsonNode summary =
                new ObjectMapper().readTree(tmp.resolve("summary.json").toFile());
        assertThat(summary.path("rows_in").asLong()).as("%s", summary).isEqualTo(2);
    }

    @Test
    void aSplitOfEmptyFilesCompletesWithNoRows() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "");
        ws.input("b.csv", " \n");
        ws.input("c.csv.gz", Workspace.gzip(""));
        ws.input("d.csv", "");
        String pipeline = """
                pipeline: %s
                source: { files: { path: in, include: %s, pack: { max_files: 10 } } }
                steps:
                  - sql: SELECT id, name FROM input
                sink: { files: { path: out, format: jsonl } }
                run: { parallelism: 1 }
                """;
        Path pack = ws.pipeline("pack.yaml", pipeline.formatted("pack", "[a.csv, b.csv, c.csv.gz]"));
        Path alone = ws.pipeline("alone.yaml", pipeline.formatted("alone", "d.csv"));
        Path summary = tmp.resolve("summary.json");
        for (Path p : List.of(pack, alone)) {
            CliRun run = CliRun.run(p, "--summary-json", summary.toString());
            assertThat(run.code()).as("%s", run).isZero();
            JsonNode s = new ObjectMapper().readTree(summary.toFile());
            assertThat(s.path("splits_done").asLong()).as("%s", s).isEqualTo(1);
            assertThat(s.path("rows_in").asLong()).as("%s", s).isZero();
            assertThat(s.path("inputs_left_out").asLong()).as("%s", s).isZero();
            assertThat(s.path("ledger").path("done").asLong()).as("%s", s).isEqualTo(1);
            // the ledger holds every file as processed
            CliRun.run(p, "--summary-json", summary.toString()).ok();
            JsonNode again = new ObjectMapper().readTree(summary.toFile());
            assertThat(again.path("splits_done").asLong()).as("%s", again).isZero();
            assertThat(again.path("inputs_already_processed").asLong())
                    .as("%s", again)
                    .isEqualTo(p == pack ? 3 : 1);
        }
        assertThat(ws.outputFiles(".jsonl")).isEmpty();
    }

    /**
     * A file overwritten by an empty one (an export that found nothing, a log truncated in place) is its new version:
     * its rows leave the output, as they would for a file whose new rows a step all filters out; counting them still
     * would double them once the file's rows show up elsewhere (a rotated copy).
     */
    @Test
    void aFileOverwrittenByAnEmptyOneLeavesNothingOfItsRowsInTheOutput() throws Exception {
        Workspace ws = Workspace.in(tmp);
        ws.input("a.csv", "id,name\n1,a\n2,b\n");
        ws.input("b.csv", "id,name\n3,c\n");
        Path rows = ws.pipeline("rows.yaml", """
                pipeline: rows
                source: { files: { path: in } }
                sink: { files: { path: out/rows, format: csv } }
                """);
        Path totals = ws.pipeline("totals.yaml", """
                pipeline: totals
                source: { files: { path: in } }
                steps:
                  - aggregate: { group_by: [], measures: { lines: count(*), ids: sum(id) } }
                sink: { files: { path: out/totals, format: csv } }
                """);
        for (Path p : List.of(rows, totals)) CliRun.run(p).ok();
        assertThat(csv(ws.out().resolve("rows"), "id, name")).containsExactly("1|a", "2|b", "3|c");
        assertThat(csv(ws.out().resolve("totals"), "lines, ids")).containsExactly("3|6");

        ws.input("a.csv", "");
        for (Path p : List.of(rows, totals)) CliRun.run(p).ok();
        assertThat(csv(ws.out().resolve("rows"), "id, name"))
                .as("a.csv's earlier rows are gone with its earlier version")
                .containsExactly("3|c");
        assertThat(csv(ws.out().resolve("totals"), "lines, ids")).containsExactly("1|3");
    }

    /** The rows of the csv files right in {@code folder} (not the sink's own folders under it). */
    private static List<String> csv(Path folder, String select) throws Exception {
        return Workspace.query("SELECT " + select + " FROM read_csv('" + folder + "/*.csv', union_by_name = true)");
    }
}
