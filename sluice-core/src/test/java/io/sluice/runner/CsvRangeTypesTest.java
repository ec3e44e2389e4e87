package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.NativeCopies;
import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import io.sluice.spi.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte ranges of one large csv file are read with one set of columns and types, those of the file's head, wherever
 * the cuts fall: their outputs agree on their schema, and a value of a later range that its column's type would change
 * or refuse is a bad record naming its file and line.
 */
class CsvRangeTypesTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void duckDb() {
        NativeCopies.loadDuckDb();
    }

    /** Integers in the first 30,000 rows (the head), then amounts with cents: typed BIGINT in every range. */
    @Test
    void everyRangeHasTheTypesOfTheHeadAndALaterValueThatBreaksThemIsABadRecord() throws Exception {
        StringBuilder csv = new StringBuilder("id,amount,note\n");
        for (int i = 0; i < 30_000; i++)
            csv.append(i).append(',').append(i % 97).append(",n").append(i).append('\n');
        for (int i = 30_000; i < 30_003; i++) csv.append(i).append(",19.99,late\n");
        csv.append("30003,5,last\n");
        Path out = dir.resolve("ranged");
        RunSummary summary = run(out, csv.toString(), "64KB");

        assertThat(summary.splitsDone()).as("cut into ranges").isGreaterThanOrEqualTo(3);
        assertThat(schemas(out))
                .as("every range's columns and types")
                .containsExactly("id BIGINT, amount BIGINT, note VARCHAR");
        assertThat(rows(out)).hasSize(30_001).contains("30003|5|last").noneMatch(r -> r.contains("19.99"));
        assertThat(summary.rejected()).isEqualTo(3);
        List<String> letters = deadLetters(out);
        assertThat(letters).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(letters.get(i))
                    .contains("big.csv")
                    .contains("\"line\":" + (30_002 + i))
                    .contains("19.99")
                    .contains("head of the file");
        }
    }

    /**
     * Without a value that breaks the head's types, the ranges give the rows and types of the file read whole; also a
     * column empty in the first range and integers from row 10,000 on (inside the head's sample), which that range
     * alone would type as text.
     */
    @Test
    void rangesGiveTheRowsAndTypesOfTheWholeFile() throws Exception {
        StringBuilder csv = new StringBuilder("id,price,day,name,empty,later\n");
        for (int i = 0; i < 40_000; i++) {
            csv.append(i)
                    .append(',')
                    .append(i % 13)
                    .append(".25,2026-03-")
                    .append(10 + i % 20)
                    .append(",\"n, ")
                    .append(i)
                    .append("\",,")
                    .append(i < 10_000 ? "" : Integer.toString(i % 7))
                    .append('\n');
        }
        Path whole = dir.resolve("whole");
        Path ranged = dir.resolve("ranged");
        RunSummary one = run(whole, csv.toString(), "1GB");
        RunSummary many = run(ranged, csv.toString(), "64KB");
        assertThat(one.splitsDone()).isEqualTo(1);
        assertThat(many.splitsDone()).isGreaterThanOrEqualTo(3);
        assertThat(schemas(ranged)).isEqualTo(schemas(whole)).hasSize(1);
        assertThat(rows(ranged)).isEqualTo(rows(whole)).hasSize(40_000);
        assertThat(many.rejected()).isZero();
    }

    /**
     * A csv log read as it grows: its head (4 MB) was written before its first range was read, so a later range has
     * the same types, and its value that breaks them is a bad record.
     */
    @Test
    void everyRangeOfAGrowingLogHasTheTypesOfItsHead() throws Exception {
        StringBuilder csv = new StringBuilder("id,amount\n");
        for (int i = 0; i < 450_000; i++)
            csv.append(i).append(',').append(i % 97).append('\n');
        assertThat(csv.length()).isGreaterThan(4 << 20);
        Path log = dir.resolve("in/app.log");
        long old = System.currentTimeMillis() - 3_600_000;
        RunSummary first = run(dir, "app.log", csv.toString(), "tail: true, format: csv", old);
        assertThat(first.splitsDone()).isEqualTo(1);
        Files.writeString(log, "450000,19.99\n450001,7\n", java.nio.file.StandardOpenOption.APPEND);
        Files.setLastModifiedTime(log, FileTime.fromMillis(old + 1_000));
        RunSummary second = run(dir, "app.log", null, "tail: true, format: csv", old + 1_000);

        assertThat(second.splitsDone()).isEqualTo(1);
        assertThat(schemas(dir)).containsExactly("id BIGINT, amount BIGINT");
        assertThat(rows(dir)).hasSize(450_001).contains("450001|7");
        assertThat(deadLetters(dir))
                .singleElement()
                .asString()
                .contains("app.log")
                .contains("\"line\":450002")
                .contains("19.99");
    }

    /** Runs a pipeline reading {@code csv} as {@code in/big.csv} into Parquet files under {@code root/out}. */
    private RunSummary run(Path root, String csv, String splitSize) throws Exception {
        return run(root, "big.csv", csv, "split_size: " + splitSize, 0);
    }

    /**
     * Runs a pipeline reading {@code in/NAME} (written with {@code csv} first, unless null) into Parquet files under
     * {@code root/out}.
     */
    private RunSummary run(Path root, String name, String csv, String options, long mtime) throws Exception {
        Files.createDirectories(root.resolve("in"));
        if (csv != null) {
            Path big = Files.writeString(root.resolve("in/" + name), csv);
            Files.setLastModifiedTime(big, FileTime.fromMillis(mtime));
        }
        Pipeline p =
                PipelineLoader.withSystemEnv().load(Files.writeString(root.resolve("p.yaml"), """
                pipeline: ranges
                source: { files: { path: in, %s } }
                sink: { files: { path: out, format: parquet } }
                run: { parallelism: 2, on_bad_record: dead_letter }
                """.formatted(options)));
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            return new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
        }
    }

    private static List<Path> outputs(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("out"))) {
            return files.filter(f -> f.toString().endsWith(".parquet")
                            && !f.toString().contains("_sluice")
                            && !f.toString().contains("_dead_letter"))
                    .sorted()
                    .toList();
        }
    }

    /** The distinct schemas of the output files, as {@code name TYPE, ...}. */
    private static TreeSet<String> schemas(Path root) throws Exception {
        TreeSet<String> schemas = new TreeSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement()) {
            for (Path f : outputs(root)) {
                List<String> columns = new ArrayList<>();
                try (ResultSet r =
                        s.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + Sql.literal(f.toString()) + ")")) {
                    while (r.next()) columns.add(r.getString("column_name") + " " + r.getString("column_type"));
                }
                schemas.add(String.join(", ", columns));
            }
        }
        return schemas;
    }

    /** Every output row, {@code |}-joined, sorted. */
    private static List<String> rows(Path root) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT concat_ws('|', *COLUMNS(*)) FROM read_parquet("
                        + Sql.pathList(outputs(root)) + ", union_by_name = true) ORDER BY ALL")) {
            while (r.next()) rows.add(r.getString(1));
        }
        return rows;
    }

    /** The dead letters' lines, ordered by line number. */
    private static List<String> deadLetters(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root.resolve("out/_dead_letter"))) {
            return files.filter(Files::isRegularFile)
                    .flatMap(f -> {
                        try {
                            return Files.readAllLines(f).stream();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .sorted()
                    .toList();
        }
    }
}
