package io.sluice.focus;

import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A DuckDB connection set up like the engine's (no extension downloads), for tests. */
final class Duck implements AutoCloseable {
    final Connection c;

    Duck() throws SQLException {
        c = DriverManager.getConnection("jdbc:duckdb:");
        run("SET autoinstall_known_extensions = false");
        run("SET autoload_known_extensions = false");
    }

    static Path resource(String name) {
        try {
            return Path.of(Duck.class.getResource("/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads files as the engine does (auto-detected types) into a table, and returns the table name. */
    String load(String table, String reader) throws SQLException {
        run("CREATE OR REPLACE TABLE " + table + " AS SELECT * FROM " + reader);
        return table;
    }

    /** As the engine reads CSV for the focus step: every column as text. */
    String csv(String table, Path file) throws SQLException {
        return load(table, "read_csv(" + Sql.literal(file.toString()) + ", all_varchar = true)");
    }

    /** As the engine reads JSON lines. */
    String jsonl(String table, Path file) throws SQLException {
        return load(table, "read_json(" + Sql.literal(file.toString()) + ", format = 'newline_delimited')");
    }

    /** As the engine reads CSV for other steps: types guessed from a sample. */
    String typedCsv(String table, Path file) throws SQLException {
        return load(table, "read_csv(" + Sql.literal(file.toString()) + ")");
    }

    void run(String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    List<Map<String, Object>> rows(String sql) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData m = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= m.getColumnCount(); i++) row.put(m.getColumnName(i), r.getObject(i));
                out.add(row);
            }
        }
        return out;
    }

    Map<String, String> types(String sql) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> r : rows("DESCRIBE " + sql))
            out.put((String) r.get("column_name"), (String) r.get("column_type"));
        return out;
    }

    Object value(String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getObject(1);
        }
    }

    @Override
    public void close() throws SQLException {
        c.close();
    }
}
