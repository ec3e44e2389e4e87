package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every value of JSON lines arrives in the columns {@link JsonColumns} gives the reader. */
class JsonColumnsTest {
    @TempDir
    Path dir;

    /** The values of each record read by {@code columns}' relation, joined, NULLs left out. */
    private static List<String> values(JsonColumns columns) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT concat_ws(' ', *COLUMNS(*)) FROM (" + columns.relation(s) + ")")) {
            while (r.next()) out.add(r.getString(1));
        }
        return out;
    }

    /**
     * DuckDB names a key alike but for its case {@code A_1}; given that column, the reader found no key of that name
     * and read the record's value as NULL, silently.
     */
    @Test
    void keysAlikeButForTheirCaseKeepTheirValues() throws Exception {
        Path file = Files.writeString(dir.resolve("a.jsonl"), "{\"a\": 1}\n{\"A\": 5}\n");
        assertThat(values(new JsonColumns(List.of(file), Map.of()))).containsExactly("1", "5");
    }

    /** A byte range whose key is its head's but for its case: its values are its own, not lost to the head's column. */
    @Test
    void aRangeWithAKeyOfItsHeadButForItsCaseKeepsItsValues() throws Exception {
        Path head = Files.writeString(dir.resolve("head.jsonl"), "{\"amount\": 1}\n{\"amount\": 2}\n");
        Path range = Files.writeString(dir.resolve("range.jsonl"), "{\"Amount\": 5}\n{\"Amount\": 6}\n");
        assertThat(values(new JsonColumns(List.of(range), Map.of(range, head)))).containsExactly("5", "6");
    }

    /** The columns of {@code columns}' relation and their types, {@code name type} each. */
    private static List<String> types(JsonColumns columns) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE " + columns.relation(s))) {
            while (r.next()) out.add(r.getString("column_name") + " " + r.getString("column_type"));
        }
        return out;
    }

    /**
     * {@code columns}' relation has exactly {@code types} and holds {@code rows} in this order (a bad line's row of
     * NULLs and others between them).
     */
    private static void assertReads(JsonColumns columns, List<String> types, String... rows) throws Exception {
        assertThat(types(columns)).containsExactly(types.toArray(String[]::new));
        assertThat(values(columns)).containsSubsequence(rows);
    }

    private JsonColumns file(String records) throws Exception {
        return new JsonColumns(List.of(Files.writeString(dir.resolve("f.jsonl"), records)), Map.of());
    }

    /**
     * The same inside an object: the head's {@code s.amount} and the range's {@code s.Amount} are one field of {@code
     * s} for DuckDB's STRUCT, {@code amount}, and the range's values of {@code Amount} were read as NULL, silently. The
     * column is JSON, every value kept (as DuckDB writes JSON: without spaces).
     */
    @Test
    void aRangeWithAFieldOfItsHeadButForItsCaseKeepsItsValues() throws Exception {
        Path head = Files.writeString(dir.resolve("head.jsonl"), "{\"s\": {\"amount\": 1}}\n");
        Path range = Files.writeString(dir.resolve("range.jsonl"), "{\"s\": {\"Amount\": 5}}\n");
        assertThat(values(new JsonColumns(List.of(range), Map.of(range, head)))).containsExactly("{\"Amount\":5}");
    }

    /** One file holding both spellings of an object's field, in two records or in one object, keeps both values. */
    @Test
    void fieldsAlikeButForTheirCaseKeepTheirValues() throws Exception {
        assertThat(values(file("{\"s\": {\"amount\": 1}}\n{\"s\": {\"Amount\": 5}}\n")))
                .containsExactly("{\"amount\":1}", "{\"Amount\":5}");
        assertThat(values(file("{\"s\": {\"amount\": 1, \"Amount\": 5}}\n")))
                .containsExactly("{\"amount\":1,\"Amount\":5}");
    }

    /** In a list of objects, and deeper, as well. */
    @Test
    void fieldsAlikeButForTheirCaseInAListOrDeeperKeepTheirValues() throws Exception {
        assertThat(values(file("{\"l\": [{\"amount\": 1}, {\"Amount\": 5}]}\n")))
                .containsExactly("[{\"amount\":1},{\"Amount\":5}]");
        assertThat(values(file("{\"s\": {\"t\": {\"amount\": 1}}}\n{\"s\": {\"t\": {\"Amount\": 5}}}\n")))
                .containsExactly("{\"t\":{\"amount\":1}}", "{\"t\":{\"Amount\":5}}");
    }

    /** Only the column holding such fields is JSON: a column before it keeps its type, objects or not. */
    @Test
    void fieldsAlikeButForTheirCaseLeaveTheOtherColumnsTyped() throws Exception {
        assertThat(types(file("{\"id\": 1, \"r\": {\"x\": 1}, \"s\": {\"amount\": 1}}\n"
                        + "{\"id\": 2, \"r\": {\"x\": 2}, \"s\": {\"Amount\": 5}}\n")))
                .containsExactly("id BIGINT", "r STRUCT(x BIGINT)", "s JSON");
    }

    /**
     * DuckDB names only the first field alike but for its case it meets: a second column holding such fields keeps its
     * values too, and only the columns holding such fields are JSON: a column of objects between or after them keeps
     * its type (it was JSON, as every column of objects after the first such field).
     */
    @Test
    void twoColumnsWithFieldsAlikeButForTheirCaseKeepTheirValues() throws Exception {
        JsonColumns columns = file("{\"s\": {\"a\": 1}, \"m\": {\"x\": 1}, \"t\": {\"b\": 2}, \"u\": {\"y\": 1}}\n"
                + "{\"s\": {\"A\": 3}, \"m\": {\"x\": 2}, \"t\": {\"B\": 4}, \"u\": {\"y\": 2}}\n");
        assertReads(
                columns,
                List.of("s JSON", "m STRUCT(x BIGINT)", "t JSON", "u STRUCT(y BIGINT)"),
                "{\"a\":1} {'x': 1} {\"b\":2} {'y': 1}",
                "{\"A\":3} {'x': 2} {\"B\":4} {'y': 2}");
    }

    /**
     * A column is JSON for such fields in its list of objects, or in a list deeper in its objects; a column of objects
     * after it keeps its type.
     */
    @Test
    void aColumnWithFieldsAlikeButForTheirCaseInAListIsJsonAloneTheColumnsAfterItTyped() throws Exception {
        assertThat(types(file("{\"l\": [{\"amount\": 1}, {\"Amount\": 5}], \"u\": {\"y\": 1}}\n")))
                .containsExactly("l JSON", "u STRUCT(y BIGINT)");
        JsonColumns deeper = file("{\"s\": {\"items\": [{\"amount\": 1}]}, \"u\": {\"y\": 1}}\n"
                + "{\"s\": {\"items\": [{\"Amount\": 5}]}, \"u\": {\"y\": 2}}\n");
        assertReads(
                deeper,
                List.of("s JSON", "u STRUCT(y BIGINT)"),
                "{\"items\":[{\"amount\":1}]} {'y': 1}",
                "{\"items\":[{\"Amount\":5}]} {'y': 2}");
    }

    /**
     * A byte range whose field is its head's but for its case: the column is JSON, and a column of objects after it
     * keeps the type it has in the head (DuckDB's STRUCT), as the head's own records are read with.
     */
    @Test
    void aRangeWithAFieldOfItsHeadButForItsCaseKeepsTheHeadsTypeOfTheOtherColumns() throws Exception {
        Path head = Files.writeString(dir.resolve("head.jsonl"), "{\"s\": {\"amount\": 1}, \"u\": {\"y\": 1}}\n");
        Path range = Files.writeString(dir.resolve("range.jsonl"), "{\"s\": {\"Amount\": 5}, \"u\": {\"y\": 2}}\n");
        assertThat(types(new JsonColumns(List.of(head), Map.of())))
                .containsExactly("s STRUCT(amount BIGINT)", "u STRUCT(y BIGINT)");
        assertThat(types(new JsonColumns(List.of(range), Map.of(range, head))))
                .containsExactly("s JSON", "u STRUCT(y BIGINT)");
    }

    /**
     * Keys alike but for their case are read as DuckDB detects them (see above), which keeps one field of an object
     * alike but for its case: such a file fails, naming the file, the column and the two spellings, not read as NULL;
     * its split is dead at once, as another attempt fails so.
     */
    @Test
    void fieldsAlikeButForTheirCaseBesideKeysAlikeFailNamingThem() throws Exception {
        JsonColumns columns = file("{\"a\": 1, \"s\": {\"amount\": 1}}\n{\"A\": 2, \"s\": {\"Amount\": 5}}\n");
        assertThatThrownBy(() -> values(columns))
                .hasMessageContaining("f.jsonl")
                .hasMessageContaining("column s")
                .hasMessageContaining("\"amount\"")
                .hasMessageContaining("\"Amount\"")
                .satisfies(e -> assertThat(EngineErrors.retryable(e)).isFalse());
    }

    /**
     * The error names the column and the field DuckDB's type of it holds, read from the type: beside a field whose
     * quoted name holds a parenthesis, a comma and a space, and in a STRUCT inside a list or a MAP's values.
     */
    @Test
    void fieldsAlikeButForTheirCaseBesideKeysAlikeFailNamingTheColumnAndFieldHoldingThem() throws Exception {
        assertLost(
                file("{\"a\": 1, \"p\": {\"x (Amount, y\": 1}, \"s\": {\"amount\": 1}}\n"
                        + "{\"A\": 2, \"p\": {\"x (Amount, y\": 2}, \"s\": {\"Amount\": 5}}\n"),
                "s");
        assertLost(
                file("{\"a\": 1, \"u\": {\"n\": 1}, \"s\": {\"l\": [{\"n m\": {\"amount\": 1}}]}}\n"
                        + "{\"A\": 2, \"u\": {\"n\": 2}, \"s\": {\"l\": [{\"n m\": {\"Amount\": 5}}]}}\n"),
                "s");
        StringBuilder map = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            String amount = i % 2 == 0 ? "amount" : "Amount";
            map.append("{\"%s\": %d, \"h\": {\"k%d\": {\"%s\": %d}}}\n"
                    .formatted(i % 2 == 0 ? "a" : "A", i, i, amount, i));
        }
        assertLost(file(map.toString()), "h");
    }

    private static void assertLost(JsonColumns columns, String column) {
        assertThatThrownBy(() -> values(columns))
                .hasMessageContaining("column " + column + " holds the fields \"amount\" and \"Amount\"")
                .satisfies(e -> assertThat(EngineErrors.retryable(e)).isFalse());
    }

    /**
     * A file with a line that is not JSON is detected with the bad lines left out, and DuckDB then keeps one field of
     * an object alike but for its case, silently: the keys of its good records' objects are looked at.
     */
    @Test
    void fieldsAlikeButForTheirCaseBesideABadLineKeepTheirValues() throws Exception {
        assertThat(values(file("{\"s\": {\"amount\": 1}}\nnot json\n{\"s\": {\"Amount\": 5}}\n")))
                .contains("{\"amount\":1}", "{\"Amount\":5}"); // the bad line is the rejects' (a row of NULLs here)
    }

    /**
     * Beside a bad line too, in a list of objects, and only the column holding such fields is JSON: a column of objects
     * after it keeps its type.
     */
    @Test
    void fieldsAlikeButForTheirCaseInAListBesideABadLineLeaveTheOtherColumnsTyped() throws Exception {
        JsonColumns columns = file("{\"id\": 1, \"r\": {\"x\": 1}, \"l\": [{\"amount\": 1}], \"u\": {\"y\": 1}}\n"
                + "{\"id\": 2,\n"
                + "{\"id\": 3, \"r\": {\"x\": 2}, \"l\": [{\"Amount\": 5}], \"u\": {\"y\": 2}}\n");
        assertReads(
                columns,
                List.of("id BIGINT", "r STRUCT(x BIGINT)", "l JSON", "u STRUCT(y BIGINT)"),
                "1 {'x': 1} [{\"amount\":1}] {'y': 1}",
                "3 {'x': 2} [{\"Amount\":5}] {'y': 2}");
    }

    /**
     * Beside a bad line, an object DuckDB reads as a MAP (its keys many, each in few records: HTTP headers, labels)
     * keeps keys alike but for their case as two keys, both values kept: nothing is lost, and the file is read.
     */
    @Test
    void keysAlikeButForTheirCaseOfAMapBesideABadLineAreRead() throws Exception {
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 300; i++)
            records.append("{\"id\": ")
                    .append(i)
                    .append(", \"h\": {\"k")
                    .append(i)
                    .append("\": {\"v\": ")
                    .append(i)
                    .append("}}}\n");
        records.append("{\"id\": 300, \"h\": {\"Content-Type\": {\"v\": 1}, \"content-type\": {\"v\": 2}}}\n");
        records.append("{\"id\": 301,\n");
        JsonColumns columns = file(records.toString());
        assertReads(
                columns,
                List.of("id BIGINT", "h MAP(VARCHAR, STRUCT(v BIGINT))"),
                "300 {Content-Type={'v': 1}, content-type={'v': 2}}");
    }

    /**
     * Objects DuckDB reads as a MAP whose values hold fields alike but for their case ({@code {"k1": {"a": 1}}}, {@code
     * {"k2": {"A": 2}}}): the MAP's values are one STRUCT, which keeps one of the fields and read the other's values as
     * NULL, silently, when another column held such fields too (the keys of one object of the column, looked at alone,
     * are not alike). The column is JSON, every value kept.
     */
    @Test
    void fieldsAlikeButForTheirCaseInTheValuesOfAMapBesideAnotherSuchColumnKeepTheirValues() throws Exception {
        JsonColumns columns = file(mapOfAlikeFields(true));
        assertReads(columns, List.of("h JSON", "t JSON"), "{\"k1\":{\"A\":1}} {\"b\":1}");
    }

    /** The same beside a bad line, which fails the detection before DuckDB meets such a field. */
    @Test
    void fieldsAlikeButForTheirCaseInTheValuesOfAMapBesideABadLineKeepTheirValues() throws Exception {
        JsonColumns columns = file("{\"h\": {\"k\": {\"a\": 0}},\n" + mapOfAlikeFields(false));
        assertReads(columns, List.of("h JSON"), "{\"k1\":{\"A\":1}}");
    }

    /** Fields whose names DuckDB quotes in the column's type (a space, a quote) are found alike too. */
    @Test
    void fieldsAlikeButForTheirCaseWithQuotedNamesBesideABadLineKeepTheirValues() throws Exception {
        JsonColumns columns = file("{\"s\": {\"say \\\"hi\\\"\": 1, \"n m\": {\"x\": 1}}}\nnot json\n"
                + "{\"s\": {\"SAY \\\"HI\\\"\": 2, \"n m\": {\"x\": 2}}, \"u\": {\"y\": 1}}\n");
        assertReads(
                columns, List.of("s JSON", "u STRUCT(y BIGINT)"), "{\"SAY \\\"HI\\\"\":2,\"n m\":{\"x\":2}} {'y': 1}");
    }

    /** 300 records, each with a key of its own in {@code h} (a MAP for DuckDB), its value {@code {"a": i}} or {@code {"A": i}}. */
    private static String mapOfAlikeFields(boolean withT) {
        StringBuilder records = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            records.append("{\"h\": {\"k")
                    .append(i)
                    .append("\": {\"")
                    .append(i % 2 == 0 ? "a" : "A")
                    .append("\": ")
                    .append(i)
                    .append("}}");
            if (withT)
                records.append(", \"t\": {\"").append(i % 2 == 0 ? "B" : "b").append("\": 1}");
            records.append("}\n");
        }
        return records.toString();
    }
}
