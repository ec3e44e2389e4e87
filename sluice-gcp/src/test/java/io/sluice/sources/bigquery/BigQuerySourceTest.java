package io.sluice.sources.bigquery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.config.ConfigException;
import io.sluice.config.Type;
import io.sluice.config.Validator;
import io.sluice.config.YamlReader;
import io.sluice.gcp.bigquery.BigQueryStandIn;
import io.sluice.ledger.memory.MemoryLedger;
import io.sluice.planning.Planner;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Ledger;
import io.sluice.spi.Member;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Split;
import io.sluice.spi.source.KnownSplits;
import io.sluice.spi.source.LocalFiles;
import io.sluice.spi.source.Proposal;
import io.sluice.spi.source.ReadContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SplitReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bigquery source through Google's own client against {@link BigQueryStandIn}, an HTTP stand-in for BigQuery's
 * REST API (no BigQuery emulator runs here; the query is DuckDB's SQL there, so GoogleSQL itself is not checked).
 */
class BigQuerySourceTest {
    @TempDir
    Path dir;

    private BigQueryStandIn bq;

    @BeforeEach
    void start() throws Exception {
        bq = new BigQueryStandIn();
        bq.createDataset("ds");
        bq.sql(
                "CREATE TABLE ds.orders AS SELECT i::BIGINT AS id, 'o' || i AS name, (i * 1.25)::DECIMAL(10,2) AS amount,"
                        + " i % 2 = 0 AS even, DATE '2026-01-01' + i::INTEGER AS day,"
                        + " TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_seconds(i) AS at,"
                        + " CASE WHEN i = 3 THEN NULL ELSE 'say \"hi\", ok' END AS note FROM range(1, 6) t(i)");
    }

    @AfterEach
    void stop() throws Exception {
        bq.close();
    }

    private Source source(String yaml) {
        var options = new Validator(dir, k -> null)
                .validate(
                        YamlReader.parse("p.yaml", "project: proj\nendpoint: " + bq.endpoint() + "\n" + yaml),
                        (Type.Obj) new BigQuerySourceFactory().options(),
                        "source.bigquery");
        return new BigQuerySourceFactory()
                .create(
                        options,
                        new PipelineContext("p", dir.resolve("p.yaml"), 2, BadRecordPolicy.FAIL, Clock.systemUTC()));
    }

    private LocalFiles read(Source source) throws IOException {
        Proposal p = source.propose(KnownSplits.NONE);
        assertThat(p.splits()).hasSize(1);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        SplitReader reader = source.open(p.splits().getFirst(), new ReadContext(scratch));
        return reader.files();
    }

    @Test
    void readsTheQuerysRowsAsTypedCsvAcrossPages() throws Exception {
        Source source = source("query: SELECT * FROM `proj.ds.orders` ORDER BY id\npage_size: 2\n");
        LocalFiles files = read(source);
        assertThat(files.columns())
                .containsExactly(
                        Map.entry("id", "BIGINT"),
                        Map.entry("name", "VARCHAR"),
                        Map.entry("amount", "DECIMAL(10,2)"),
                        Map.entry("even", "BOOLEAN"),
                        Map.entry("day", "DATE"),
                        Map.entry("at", "TIMESTAMP WITH TIME ZONE"),
                        Map.entry("note", "VARCHAR"));
        List<String> lines = Files.readAllLines(files.parts().getFirst().file());
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).isEqualTo("\"id\",\"name\",\"amount\",\"even\",\"day\",\"at\",\"note\"");
        assertThat(lines.get(1))
                .isEqualTo("1,\"o1\",1.25,false,2026-01-02,2026-01-01 00:00:01.000000+00,\"say \"\"hi\"\", ok\"");
        assertThat(lines.get(3)).as("NULL is an unquoted empty field").endsWith(",");
    }

    @Test
    void aQueryIsReadOncePerLedger() throws Exception {
        Source source = source("query: SELECT 1 AS x\n");
        Split split = source.propose(KnownSplits.NONE).splits().getFirst();
        assertThat(source("query: SELECT 1 AS x\n")
                        .propose(KnownSplits.NONE)
                        .splits()
                        .getFirst()
                        .id())
                .as("the same query, the same split id")
                .isEqualTo(split.id());
        assertThat(source("query: SELECT 2 AS x\n")
                        .propose(KnownSplits.NONE)
                        .splits()
                        .getFirst()
                        .id())
                .isNotEqualTo(split.id());
    }

    /**
     * Two rarer ledgers, from before queries were refused: a query put back after another one was read (read already,
     * it said nothing, while the output held the rows of both), and an earlier split without its query (its payload
     * was empty then).
     */
    @Test
    void aQueryPutBackAfterAnotherWasReadStopsAndAnOlderSplitIsNamedWithoutItsQuery() throws Exception {
        Ledger ledger = MemoryLedger.open("p", Clock.systemUTC());
        Split first = source("query: SELECT 1 AS x\n")
                .propose(Planner.view(ledger))
                .splits()
                .getFirst();
        Split older = new Split(first.id(), first.members(), 0, null, null);
        ledger.register(List.of(older));
        assertThatThrownBy(() -> source("query: SELECT 2 AS x\n").propose(Planner.view(ledger)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this query has read nothing yet, and an earlier query (bigquery@")
                .hasMessageContaining(": its text was not kept) was read (split " + first.id() + ", pending)");

        Split second = new Split(
                "bigquery@" + "0".repeat(12) + "#all",
                List.of(new Member("bigquery@" + "0".repeat(12), "full", 0, 1, null)),
                0,
                "SELECT 2 AS x",
                null);
        ledger.register(List.of(second));
        assertThatThrownBy(() -> source("query: SELECT 1 AS x\n").propose(Planner.view(ledger)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("this query was read (split " + first.id() + ", pending), and then another "
                        + "query (bigquery@000000000000: SELECT 2 AS x) was read")
                .hasMessageContaining("the output holds the rows of both")
                .hasMessageContaining("--delete-output --yes")
                .hasMessageContaining("or put the other query back");
    }

    /** A split keeps its query: read (or retried) after an edit, it reads what it was planned with. */
    @Test
    void aSplitReadsTheQueryItWasPlannedWith() throws Exception {
        Split planned = source("query: SELECT 1 AS x\n")
                .propose(KnownSplits.NONE)
                .splits()
                .getFirst();
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        LocalFiles files = source("query: SELECT 2 AS x\n")
                .open(planned, new ReadContext(scratch))
                .files();
        assertThat(Files.readAllLines(files.parts().getFirst().file())).containsExactly("\"x\"", "1");
    }

    @Test
    void aColumnOfATypeSluiceCannotMapIsNamedWithTheCast() {
        Source source = source("query: SELECT 'x'::BLOB AS payload\n");
        assertThatThrownBy(() -> read(source))
                .hasMessageContaining("column 'payload' of the query has type BYTES")
                .hasMessageContaining("TO_BASE64(payload)");
    }

    @Test
    void aBadQueryFailsWithBigQuerysMessage() {
        Source source = source("query: SELECT * FROM `proj.ds.missing`\n");
        assertThatThrownBy(() -> read(source))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the query failed")
                .hasMessageContaining("missing");
    }

    @Test
    void permissionDeniedSaysBigQuerysMessage() throws Exception {
        bq.deny("ds");
        Source source = source("query: SELECT * FROM `proj.ds.orders`\n");
        assertThatThrownBy(() -> read(source))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Access Denied")
                .hasMessageContaining("BigQuery Job User");
    }
}
