package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.pipeline.Assembly;
import io.sluice.pipeline.Pipeline;
import io.sluice.pipeline.PipelineLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DuckDB types a csv column from a sample (the first 20,480 rows of the first 10 files of a read) and casts every later
 * value to that type: a value past the sample that the type would change arrives as written, never rounded or cut.
 */
class CsvDetectedTypesTest {
    @TempDir
    Path dir;

    /** What the last {@link #run} summed up. */
    private RunSummary summary;

    /** A pack of 12 files: the 12th, past the 10 DuckDB samples, holds a ZIP code and an amount the others' types change. */
    @Test
    void aValuePastTheSampledFilesArrivesAsWritten() throws Exception {
        for (int i = 10; i < 21; i++) input("f" + i + ".csv", "zip,amount\n100" + i + ",250\n");
        input("f21.csv", "zip,amount\n02134,19.99\n");
        assertThat(run()).contains("02134,19.99").contains("10010,250");
    }

    /** One file whose values past its first 20,480 rows are a ZIP code with a leading zero and a price with cents. */
    @Test
    void aValuePastTheSampledRowsArrivesAsWritten() throws Exception {
        StringBuilder csv = new StringBuilder("zip,amount\n");
        for (int i = 0; i < 30_000; i++)
            csv.append(10_000 + i).append(',').append(i).append('\n');
        csv.append("02134,19.99\n");
        input("big.csv", csv.toString());
        assertThat(run()).contains("02134,19.99").contains("39999,29999");
    }

    /**
     * Integers past the sampled rows written other than as their numbers write them: {@code 30000.0} and {@code " 30000"}
     * are the numbers their type reads, so their column keeps the type; {@code +30000} is text as written (the sniffer
     * would have left a column holding it text). The read looks at each such value again, then reads as said. A quoted
     * {@code " 30000"} is a value DuckDB's csv reader refuses for the column's type: a bad record, as DuckDB reads it.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"30000.0|30000", "' 30000'|30000", "+30000|+30000", "'\" 30000\"'|"})
    void integersWrittenOtherwiseKeepTheirColumnTypedOnlyWhenTheTypeKeepsThem(String written, String read)
            throws Exception {
        StringBuilder csv = new StringBuilder("n,count\n");
        for (int i = 0; i < 30_000; i++) csv.append(i).append(',').append(i).append('\n');
        csv.append("30000,").append(written).append('\n');
        input("big.csv", csv.toString());
        List<String> rows = read == null ? List.of("29999,29999") : List.of("29999,29999", "30000," + read);
        assertThat(run().lines().filter(l -> l.startsWith("30000,") || l.startsWith("29999,")))
                .containsExactlyElementsOf(rows);
        assertThat(summary.rejected()).isEqualTo(read == null ? 1 : 0);
    }

    /** A timestamp with nanoseconds, which a TIMESTAMP would cut to microseconds, is text as written. */
    @Test
    void nanosecondsAreKept() throws Exception {
        input("t.csv", "at,n\n2026-03-29 02:30:00.123456789,1\n2026-03-29 02:31:00,2\n");
        assertThat(run()).contains("2026-03-29 02:30:00.123456789,1").contains("2026-03-29 02:31:00,2");
    }

    /**
     * A value past the sampled rows that its column's type refuses is a bad record, the column keeps its type: the read
     * that checks each value as it casts it stops there, and the split is read again as before.
     */
    @Test
    void aRefusedValuePastTheSampleIsABadRecord() throws Exception {
        StringBuilder csv = new StringBuilder("n,amount\n");
        for (int i = 0; i < 30_000; i++) csv.append(i).append(',').append(i).append('\n');
        csv.append("30000,n/a\n");
        input("big.csv", csv.toString());
        assertThat(run()).contains("29999,29999").doesNotContain("n/a").doesNotContain("30000,");
        // the read that stopped at the value counted, dead-lettered and left nothing: only the read again did
        assertThat(summary.rowsIn()).isEqualTo(30_001);
        assertThat(summary.rejected()).isEqualTo(1);
        try (Stream<Path> files = Files.walk(dir.resolve("out/_dead_letter"))) {
            assertThat(files.filter(Files::isRegularFile).map(CsvDetectedTypesTest::text))
                    .singleElement()
                    .satisfies(letters -> assertThat(letters.lines())
                            .singleElement()
                            .asString()
                            .contains("n/a"));
        }
        try (Stream<Path> staged = Files.walk(dir.resolve("out/_sluice/staging"))) {
            assertThat(staged.filter(Files::isRegularFile)).isEmpty();
        }
    }

    /** Dates in a format the sniffer found (not ISO), which a plain cast of the text refuses, are read as dates. */
    @Test
    void datesInTheSniffedFormatAreRead() throws Exception {
        input("d.csv", "day,n\n03/29/2026,1\n12/31/2025,2\n");
        assertThat(run()).contains("2026-03-29,1").contains("2025-12-31,2");
    }

    /** Runs the pipeline (no steps, into csv files) and gives the output's text. */
    private String run() throws Exception {
        Pipeline p = PipelineLoader.withSystemEnv().load(Files.writeString(dir.resolve("p.yaml"), """
                pipeline: fidelity
                source: { files: { path: in } }
                sink: { files: { path: out, format: csv } }
                run: { parallelism: 1 }
                """));
        try (Assembly a = Assembly.of(p, PipelineLoader.withSystemEnv().components(), Clock.systemUTC())) {
            summary = new LocalRunner(a, Clock.systemUTC(), OwnerId.forThisProcess(), new RunListener() {}).run();
            assertThat(summary.splitsDone()).isEqualTo(1);
        }
        try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
            return files.filter(
                            f -> f.toString().endsWith(".csv") && !f.toString().contains("_sluice"))
                    .map(CsvDetectedTypesTest::text)
                    .collect(Collectors.joining());
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Writes an input file under {@code in/}, settled long ago. */
    private void input(String name, String content) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        Files.writeString(dir.resolve("in/" + name), content);
        Files.setLastModifiedTime(dir.resolve("in/" + name), FileTime.fromMillis(0));
    }
}
