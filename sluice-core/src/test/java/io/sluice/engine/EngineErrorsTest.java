package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.spi.Sql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one place that knows DuckDB's errors: which ones repeat on every attempt (not retried), and how each reads to a
 * user. Every error here is a real one, from a real DuckDB.
 */
class EngineErrorsTest {
    @TempDir
    Path dir;

    private DuckEngine engine;
    private Connection c;

    @BeforeEach
    void open() throws Exception {
        engine = new DuckEngine(new io.sluice.pipeline.EngineOptions(null, 1, null, null), 1);
        c = engine.connect();
        try (Statement s = c.createStatement()) {
            s.execute(
                    "CREATE TEMP VIEW sluice_src_7 AS SELECT * FROM (VALUES ('eu', '1.5'), ('us', 'abc')) t(region, amount)");
        }
    }

    @AfterEach
    void close() throws Exception {
        c.close();
        engine.close();
    }

    /** The error a statement fails with, as the engine wraps it: the user's step inside Sluice's own SQL. */
    private SQLException failing(String step) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT * FROM (WITH input AS (SELECT * FROM sluice_src_7) SELECT * FROM (" + step + "\n))");
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError("did not fail: " + step);
    }

    private static EngineErrors.EngineError error(Exception e) {
        return EngineErrors.of(e).orElseThrow();
    }

    @Test
    void aMissingColumnIsNotRetriedAndSaysWhichColumnsThereAre() {
        SQLException e = failing("SELECT regoin FROM input");
        assertThat(EngineErrors.retryable(e)).isFalse();
        assertThat(EngineErrors.missingColumn(error(e))).contains("regoin");
        assertThat(EngineErrors.explain(error(e), List.of("region", "amount")))
                .isEqualTo(
                        "no column \"regoin\" in the step's input (did you mean 'region'?); its columns: region, amount");
    }

    @Test
    void aWrongTableNameIsNotRetriedAndPointsAtInput() {
        SQLException e = failing("SELECT region FROM inputs");
        assertThat(EngineErrors.retryable(e)).isFalse();
        assertThat(EngineErrors.explain(error(e), List.of()))
                .startsWith("no table inputs (did you mean 'input'?)")
                .contains("as `input`")
                .doesNotContain("pg_tables");
    }

    @Test
    void aSyntaxErrorIsNotRetriedAndShowsNoneOfSluicesSql() {
        SQLException e = failing("SELECT region FORM input");
        assertThat(EngineErrors.retryable(e)).isFalse();
        assertThat(e.getMessage()).as("DuckDB's own message quotes the wrapper").contains("sluice_src_7");
        assertThat(EngineErrors.explain(error(e), List.of())).isEqualTo("SQL syntax error at or near \"input\"");
    }

    @Test
    void aValueThatDoesNotConvertIsNotRetriedAndSuggestsTryCast() {
        SQLException e = failing("SELECT CAST(amount AS DOUBLE) AS amount FROM input");
        assertThat(EngineErrors.retryable(e)).isFalse();
        assertThat(error(e).conversion()).isTrue();
        assertThat(EngineErrors.explain(error(e), List.of()))
                .startsWith("Conversion Error: Could not convert string 'abc' to DOUBLE")
                .endsWith("use TRY_CAST(amount AS DOUBLE) in the step to get NULL instead, or fix the input")
                .doesNotContain("LINE")
                .doesNotContain("sluice_src_");
    }

    /** The same bytes fail the same way; a file rewritten since listing is a new version, planned as new work. */
    @Test
    void aTruncatedGzipIsNotRetriedAndTheMessageSaysWhatToDo() throws IOException {
        Path truncated = dir.resolve("t.csv.gz");
        byte[] whole;
        try (var bytes = new java.io.ByteArrayOutputStream();
                var gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write("id\n1\n2\n".repeat(20_000).getBytes());
            gz.finish();
            whole = bytes.toByteArray();
        }
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        SQLException e;
        try (Statement s = c.createStatement()) {
            s.execute("SELECT count(*) FROM read_csv(" + Sql.literal(truncated.toString()) + ")");
            throw new AssertionError("a truncated gzip was read");
        } catch (SQLException thrown) {
            e = thrown;
        }
        assertThat(error(e).kind()).isEqualTo("IO");
        assertThat(EngineErrors.retryable(e)).isFalse();
        assertThat(EngineErrors.explain(error(e), List.of()))
                .startsWith("IO Error: Unexpected end of GZIP stream")
                .endsWith("the file is damaged or cut short (was it copied whole?): replace it with a good copy, or "
                        + "leave it out with the source's `exclude`, then `sluice retry`");
    }

    /** An I/O error of DuckDB's other than a damaged file (a file gone since it was listed) may pass next time. */
    @Test
    void anIoErrorOtherThanADamagedFileIsRetried() {
        SQLException e;
        try (Statement s = c.createStatement()) {
            s.execute("SELECT count(*) FROM read_csv("
                    + Sql.literal(dir.resolve("gone.csv").toString()) + ")");
            throw new AssertionError("a missing file was read");
        } catch (SQLException thrown) {
            e = thrown;
        }
        assertThat(error(e).kind()).isEqualTo("IO");
        assertThat(EngineErrors.damagedInput(e)).isFalse();
        assertThat(EngineErrors.retryable(e)).isTrue();
    }

    @Test
    void theCauseDecidesWhenDuckDbsErrorIsWrappedAndOtherErrorsAreRetried() {
        SQLException binder = failing("SELECT nope FROM input");
        assertThat(EngineErrors.retryable(new RuntimeException("writing failed", binder)))
                .isFalse();
        assertThat(EngineErrors.retryable(new IOException("No space left on device")))
                .isTrue();
        assertThat(EngineErrors.retryable(new SQLException("connection closed")))
                .isTrue();
    }
}
