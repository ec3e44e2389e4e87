package io.sluice.focus;

import io.sluice.spi.BadRecordPolicy;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/** Runs the focus step's SQL over a table in a real DuckDB, as the engine does, for tests. */
final class Convert {
    private Convert() {}

    static String sql(String provider, String table) {
        return FocusStep.of(provider, "1.2", null, false, false, BadRecordPolicy.FAIL)
                .apply("SELECT * FROM " + table);
    }

    /** Converts {@code table} into the table {@code out}. */
    static void into(Duck d, String provider, String table, String out) throws SQLException {
        d.run("CREATE OR REPLACE TABLE " + out + " AS " + sql(provider, table));
    }

    /** The one output row where {@code column = value}. */
    static Map<String, Object> row(Duck d, String table, String column, String value) throws SQLException {
        return rowWhere(d, table, "\"" + column + "\" = '" + value.replace("'", "''") + "'");
    }

    /** The one output row matching {@code where}. */
    static Map<String, Object> rowWhere(Duck d, String table, String where) throws SQLException {
        List<Map<String, Object>> rows = d.rows("SELECT * FROM " + table + " WHERE " + where);
        if (rows.size() != 1) throw new AssertionError(rows.size() + " rows where " + where);
        return rows.get(0);
    }

    static BigDecimal dec(String s) {
        return new BigDecimal(s).setScale(12);
    }

    static Path resource(String name) {
        return Duck.resource(name);
    }
}
