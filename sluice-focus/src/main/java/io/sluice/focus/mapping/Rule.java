package io.sluice.focus.mapping;

import java.util.Objects;

/**
 * A DuckDB expression that yields one output value, and the reason it is written that way.
 *
 * @param why shown by {@code sluice focus mapping}; empty when the expression speaks for itself
 */
public record Rule(String sql, String why) {
    public Rule {
        Objects.requireNonNull(sql, "sql");
        why = why == null ? "" : why;
    }
}
