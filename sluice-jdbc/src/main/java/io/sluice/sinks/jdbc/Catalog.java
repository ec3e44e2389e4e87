package io.sluice.sinks.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** What PostgreSQL's catalog says about a table: its columns, primary key and unique indexes. */
final class Catalog {
    private static final String RELATION = "SELECT c.oid FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ? AND c.relkind ";
    private static final String TABLE = RELATION + "IN ('r', 'p')";

    private Catalog() {}

    static boolean exists(Connection c, TableName t) throws SQLException {
        return found(c, TABLE, t);
    }

    /** Whether the query, given the schema and the name, finds a row. */
    private static boolean found(Connection c, String query, TableName t) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(query)) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /**
     * Whether each table of the schema named in {@code columns} has the column named beside it, and each named in
     * {@code indexes} the index, in one query.
     */
    static boolean hasColumnsAndIndexes(
            Connection c, String schema, Map<String, String> columns, Map<String, String> indexes) throws SQLException {
        String column = " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = (" + TABLE
                + ") AND a.attname = ? AND NOT a.attisdropped)";
        String index =
                " AND EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = ? AND tablename = ? AND indexname = ?)";
        try (PreparedStatement s =
                c.prepareStatement("SELECT TRUE" + column.repeat(columns.size()) + index.repeat(indexes.size()))) {
            int i = 0;
            for (Map<String, String> named : List.of(columns, indexes)) {
                for (Map.Entry<String, String> e : named.entrySet()) {
                    s.setString(++i, schema);
                    s.setString(++i, e.getKey());
                    s.setString(++i, e.getValue());
                }
            }
            try (ResultSet r = s.executeQuery()) {
                return r.next() && r.getBoolean(1);
            }
        }
    }

    /**
     * The table's columns in order, each with its type without length or precision (what a text value is cast to
     * before the column's own type applies); empty when there is no such table. The type modifier is given as -1, not
     * left out: {@code character(3)} is then {@code bpchar} and {@code bit(4)} {@code "bit"}, of any length, where
     * {@code character} and {@code bit} would be of length 1 and the cast would cut 'ABC' to 'A'.
     */
    static Map<String, String> columns(Connection c, TableName t) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, -1)"
                + " FROM pg_attribute a WHERE a.attrelid = (" + TABLE + ") AND a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY a.attnum")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.put(r.getString(1), r.getString(2));
            }
        }
        return out;
    }

    /** The primary key's columns, in the key's order; empty when none. */
    static List<String> primaryKey(Connection c, TableName t) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("SELECT a.attname FROM pg_index i"
                + " JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, pos) ON true"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid = (" + TABLE + ") AND i.indisprimary ORDER BY k.pos")) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) out.add(r.getString(1));
            }
        }
        return out;
    }

    /**
     * The column sets of the table's unique indexes (primary key included) that ON CONFLICT can use: whole, on
     * columns, not deferrable.
     */
    static Set<Set<String>> uniqueIndexes(Connection c, TableName t) throws SQLException {
        return uniqueIndexes(c, t, "");
    }

    /** The column sets of the unique indexes that count NULLs as equal ({@code NULLS NOT DISTINCT}, PostgreSQL 15+). */
    static Set<Set<String>> nullsNotDistinct(Connection c, TableName t) throws SQLException {
        return uniqueIndexes(c, t, " AND i.indnullsnotdistinct");
    }

    private static Set<Set<String>> uniqueIndexes(Connection c, TableName t, String and) throws SQLException {
        Set<Set<String>> out = new HashSet<>();
        try (PreparedStatement s = c.prepareStatement("SELECT i.indexrelid, a.attname FROM pg_index i"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = (" + TABLE + ") AND i.indisunique AND i.indpred IS NULL"
                + " AND i.indexprs IS NULL AND i.indimmediate" + and)) {
            s.setString(1, t.schema());
            s.setString(2, t.name());
            Map<Long, Set<String>> byIndex = new LinkedHashMap<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next())
                    byIndex.computeIfAbsent(r.getLong(1), k -> new TreeSet<>()).add(r.getString(2));
            }
            out.addAll(byIndex.values());
        }
        return out;
    }
}
