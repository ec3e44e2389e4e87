package io.sluice.sources.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What PostgreSQL's planner statistics ({@code pg_stats}, kept by ANALYZE and autovacuum) say about a key column: its
 * equal-frequency histogram and the table's row estimate. Key ranges cut at the histogram's bounds are as balanced as
 * an {@code NTILE} over the column, which sorts every key (seconds for ten million rows, spilling to disk), while
 * reading the statistics takes a millisecond.
 */
record KeyStatistics(long rows, List<String> histogram) {
    /** Statistics older than this share of changed rows are not trusted: the exact NTILE is read instead. */
    private static final double STALE = 0.1;
    /** The most common values are left out of the histogram: with more of the rows than this it would mislead. */
    private static final double MOST_COMMON_LIMIT = 0.1;

    /**
     * The statistics of {@code column} of {@code table}, when the table has fresh ones and the column is a plain
     * identifier whose values are spread (not mostly a few common values); empty otherwise.
     */
    static Optional<KeyStatistics> of(Connection c, String table, String column) throws SQLException {
        String attribute = attributeName(column);
        if (table == null || attribute == null) return Optional.empty();
        String sql = "SELECT c.reltuples::bigint, coalesce(t.n_mod_since_analyze, 0), "
                + "s.histogram_bounds::text::text[], coalesce((SELECT sum(f) FROM unnest(s.most_common_freqs) f), 0) "
                + "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "LEFT JOIN pg_stat_all_tables t ON t.relid = c.oid "
                + "JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = ? "
                + "WHERE c.oid = to_regclass(?) ORDER BY s.inherited DESC LIMIT 1";
        try (PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, attribute);
            st.setString(2, table);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                long rows = rs.getLong(1);
                long changed = rs.getLong(2);
                Array bounds = rs.getArray(3);
                double mostCommon = rs.getDouble(4);
                if (rows <= 0 || bounds == null || changed > rows * STALE || mostCommon > MOST_COMMON_LIMIT) {
                    return Optional.empty();
                }
                return Optional.of(new KeyStatistics(rows, List.of((String[]) bounds.getArray())));
            }
        }
    }

    /**
     * The upper bounds of {@code count} ranges of about equal rows, equal ones merged; empty when the histogram is
     * coarser than that (the caller reads the exact tiles).
     */
    Optional<List<String>> upperBounds(long count) {
        int buckets = histogram.size() - 1;
        if (count <= 1) return Optional.of(List.of());
        if (buckets < count) return Optional.empty();
        List<String> upper = new ArrayList<>();
        for (long i = 1; i < count; i++) {
            String b = histogram.get((int) Math.round((double) i * buckets / count));
            if (upper.isEmpty() || !upper.getLast().equals(b)) upper.add(b);
        }
        return Optional.of(upper);
    }

    /** The name PostgreSQL stores for an identifier as written: unquoted folds to lower case; else null. */
    static String attributeName(String column) {
        if (column.matches("[A-Za-z_][A-Za-z0-9_]*")) return column.toLowerCase(Locale.ROOT);
        if (column.matches("\"([^\"]|\"\")+\""))
            return column.substring(1, column.length() - 1).replace("\"\"", "\"");
        return null;
    }
}
