package io.sluice.cli;

import static io.sluice.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.Workspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's summary says where its bad records went, and that is where they are: the Iceberg sink's go under its
 * warehouse's {@code _sluice_dead_letter/<table>/} (the summary named the files sink's {@code _dead_letter/}).
 */
class BadRecordsWhereTest {
    @TempDir
    Path dir;

    @Test
    void theSummaryNamesWhereEachSinkKeepsTheBadRecords() throws Exception {
        Workspace ws = Workspace.in(dir);
        ws.input("a.csv", "id,v\n1,10\n2,oops,extra\n");
        Path files = ws.pipeline("""
                pipeline: where_files
                source: { files: { path: in } }
                sink: { files: { path: out, format: parquet } }
                """);
        assertThat(run(files).ok().out()).contains("1 bad record(s): written under the sink's _dead_letter/ with");
        assertThat(jsonl(dir.resolve("out/_dead_letter"))).isNotEmpty();

        Path iceberg = ws.pipeline("""
                pipeline: where_iceberg
                source: { files: { path: in } }
                sink: { iceberg: { table: shop.orders, catalog: { type: jdbc, uri: "jdbc:sqlite:lake/catalog.db", warehouse: lake/warehouse } } }
                """);
        assertThat(run(iceberg).ok().out())
                .contains("1 bad record(s): written under the warehouse's _sluice_dead_letter/<table>/ with");
        assertThat(jsonl(dir.resolve("lake/warehouse/_sluice_dead_letter/shop.orders")))
                .isNotEmpty();
    }

    private static java.util.List<Path> jsonl(Path folder) throws Exception {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.toString().endsWith(".jsonl")).toList();
        }
    }
}
