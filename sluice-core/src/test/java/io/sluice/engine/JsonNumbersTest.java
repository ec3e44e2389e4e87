package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.sink.FileSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON lines output is JSON a strict reader takes, with each number as the rows hold it. */
class JsonNumbersTest {
    /** Jackson refuses NaN and Infinity unless told otherwise, as jq, JavaScript and BigQuery do. */
    private static final ObjectMapper STRICT = new ObjectMapper();

    @TempDir
    Path dir;

    /** The lines written, each read by a strict JSON reader. */
    private List<JsonNode> written(String query) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : lines(query)) rows.add(STRICT.readTree(line));
        return rows;
    }

    private List<String> lines(String query) throws Exception {
        Path out = dir.resolve("out.jsonl");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
            new DuckRows(c, query).writeFiles(out, new FileSpec("jsonl", "none", List.of(), "out"));
        }
        return Files.readAllLines(out);
    }

    @Test
    void nanAndInfinitiesAreStringsAndFloatsKeepTheirDigitsAtAnyDepth() throws Exception {
        List<JsonNode> rows = written("SELECT 'NaN'::DOUBLE AS d, '-inf'::DOUBLE AS neg, 'inf'::FLOAT AS pos, "
                + "3.14::FLOAT AS f, 0.1::DOUBLE AS plain, NULL::DOUBLE AS missing, "
                + "[1.5::FLOAT, 'nan'::FLOAT, NULL] AS l, [[0.1::FLOAT]] AS ll, "
                + "{'x': 'inf'::DOUBLE, 'a b': 2.2::FLOAT, 'q\"uote': 1, 'n': [0.3::FLOAT]} AS s, "
                + "NULL::STRUCT(x DOUBLE) AS no_struct, MAP(['k'], ['nan'::DOUBLE]) AS m, "
                + "[0.7::FLOAT, 'nan']::FLOAT[2] AS arr");
        assertThat(rows).hasSize(1);
        JsonNode r = rows.getFirst();
        assertThat(r.get("d").asText()).isEqualTo("NaN");
        assertThat(r.get("neg").asText()).isEqualTo("-Infinity");
        assertThat(r.get("pos").asText()).isEqualTo("Infinity");
        assertThat(r.get("f").toString()).isEqualTo("3.14");
        assertThat(r.get("plain").toString()).isEqualTo("0.1");
        assertThat(r.get("missing").isNull()).isTrue();
        assertThat(r.get("l").toString()).isEqualTo("[1.5,\"NaN\",null]");
        assertThat(r.get("ll").toString()).isEqualTo("[[0.1]]");
        assertThat(r.get("s").toString()).isEqualTo("{\"x\":\"Infinity\",\"a b\":2.2,\"q\\\"uote\":1,\"n\":[0.3]}");
        assertThat(r.get("no_struct").isNull()).isTrue();
        assertThat(r.get("m").toString()).isEqualTo("{\"k\":\"NaN\"}");
        assertThat(r.get("arr").toString()).isEqualTo("[0.7,\"NaN\"]");
    }

    @Test
    void columnsWithoutFloatingPointAreWrittenAsBefore() throws Exception {
        // as DuckDB writes them (a decimal without its trailing zeros)
        assertThat(lines("SELECT 1 AS i, 'text' AS t, [1, 2] AS l, {'a': 'b'} AS s, 2.50::DECIMAL(4,2) AS d"))
                .containsExactly("{\"i\":1,\"t\":\"text\",\"l\":[1,2],\"s\":{\"a\":\"b\"},\"d\":2.5}");
    }

    @Test
    void typesAreSplitAtTheirOwnCommasOnly() {
        assertThat(JsonNumbers.topLevel(
                        "a DECIMAL(18,4), \"b,c\" STRUCT(x FLOAT, y ENUM('p,q')), d MAP(VARCHAR, DOUBLE)[]"))
                .containsExactly(
                        "a DECIMAL(18,4)", "\"b,c\" STRUCT(x FLOAT, y ENUM('p,q'))", "d MAP(VARCHAR, DOUBLE)[]");
    }
}
