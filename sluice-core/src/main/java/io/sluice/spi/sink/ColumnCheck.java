package io.sluice.spi.sink;

import io.sluice.config.Options;
import io.sluice.config.Validator;
import java.util.List;
import java.util.Optional;

/** What a sink requires of the columns of the records it receives (a partition column, a key). */
@FunctionalInterface
public interface ColumnCheck {

    /**
     * Fails, naming the option, when the sink needs a column that the records it would receive do not have.
     *
     * @param columns those of a sample of the input after the steps, in order
     */
    void check(List<String> columns);

    /**
     * The check that each of {@code needed} is a column of the records (in any case, as DuckDB matches names, when
     * {@code anyCase}), failing at the sink's {@code option} with the nearest name; none when nothing is needed.
     */
    static Optional<ColumnCheck> eachOf(List<String> needed, boolean anyCase, Options options, String option) {
        if (needed.isEmpty()) return Optional.empty();
        List<String> names = List.copyOf(needed);
        return Optional.of(columns -> {
            for (String name : names) {
                boolean present = anyCase ? columns.stream().anyMatch(name::equalsIgnoreCase) : columns.contains(name);
                if (!present)
                    throw options.problem(
                            option,
                            "no column \"" + name + "\" in the records the steps give"
                                    + Validator.suggestion(name, columns) + "; their columns: "
                                    + String.join(", ", columns));
            }
        });
    }
}
