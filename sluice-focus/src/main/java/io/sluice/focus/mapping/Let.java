package io.sluice.focus.mapping;

import java.util.List;

/** A named value computed before the FOCUS columns, usable by every expression after it. */
public sealed interface Let {
    String name();

    String why();

    /** A DuckDB expression over the source columns and earlier lets. */
    record Expr(String name, String sql, String why) implements Let {}

    /**
     * The source columns whose names start with {@code prefix} (legacy CUR's {@code resourceTags/user:Team}, OCI's
     * {@code tags/Oracle-Tags.CreatedBy}), as a JSON object of name without the prefix to value, without nulls,
     * or null when there is none. A column set that varies from file to file becomes one value.
     */
    record PrefixedColumns(String name, String prefix, String why) implements Let {}

    /** The row of a lookup table whose key equals {@code key}, as a struct of the table's other columns. */
    record FromLookup(String name, String lookup, List<String> key, String why) implements Let {
        public FromLookup {
            key = List.copyOf(key);
        }
    }
}
