package io.sluice.focus.spec;

import java.util.List;
import java.util.Objects;

/**
 * One column of the FOCUS Cost and Usage dataset, as the specification defines it.
 *
 * @param allowedValues the exact values (and casing) an enumerated column allows; empty when free text
 */
public record FocusColumn(String id, DataType type, FeatureLevel level, boolean nullable, List<String> allowedValues) {
    public FocusColumn {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(level, "level");
        allowedValues = List.copyOf(allowedValues);
    }

    public enum DataType {
        STRING("VARCHAR"),
        DECIMAL("DECIMAL(38,12)"),
        DATETIME("TIMESTAMPTZ"),
        JSON("JSON");

        /**
         * The DuckDB type of the column in Sluice's output: money, prices and quantities are exact decimals with
         * 12 decimal places (CUR rates have 10), date-times are UTC instants.
         */
        public final String sql;

        DataType(String sql) {
            this.sql = sql;
        }
    }

    public enum FeatureLevel {
        MANDATORY,
        CONDITIONAL,
        RECOMMENDED
    }
}
