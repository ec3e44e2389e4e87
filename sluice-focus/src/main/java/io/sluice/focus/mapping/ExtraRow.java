package io.sluice.focus.mapping;

import java.util.Map;

/**
 * A second FOCUS row made from each input row matching {@code when}: FOCUS wants some facts on rows of their
 * own that the provider folds into one line (the unused part of a commitment, paid by a fee line). Columns not
 * listed in {@code columns} take the main expression.
 */
public record ExtraRow(String kind, String when, String why, Map<String, Rule> columns) {
    public ExtraRow {
        columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
    }
}
