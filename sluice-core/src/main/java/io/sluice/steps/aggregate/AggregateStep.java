package io.sluice.steps.aggregate;

import io.sluice.spi.MergingStep;
import io.sluice.spi.Sql;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Group-by with mergeable measures and optional time windows. */
final class AggregateStep implements MergingStep {
    private final List<String> groupBy;
    private final String windowColumn;
    private final Duration windowSize;
    private final List<Measure> measures;
    private final boolean changesOnly;

    AggregateStep(
            List<String> groupBy,
            String windowColumn,
            Duration windowSize,
            List<Measure> measures,
            boolean changesOnly) {
        this.groupBy = List.copyOf(groupBy);
        this.windowColumn = windowColumn;
        this.windowSize = windowSize;
        this.measures = List.copyOf(measures);
        this.changesOnly = changesOnly;
    }

    @Override
    public String apply(String input) {
        List<String> select = new ArrayList<>(keys());
        if (windowColumn != null) {
            select.add("time_bucket(" + interval() + ", " + Sql.identifier(windowColumn) + ") AS window_start");
        }
        measures.forEach(m -> select.addAll(m.partialColumns()));
        return "WITH input AS (" + input + ") SELECT " + String.join(", ", select) + " FROM input"
                + (groups().isEmpty() ? "" : " GROUP BY " + String.join(", ", groups()));
    }

    @Override
    public String merge(String partials) {
        List<String> select = new ArrayList<>(keys());
        if (windowColumn != null) {
            select.add("window_start");
            select.add("window_start + " + interval() + " AS window_end");
        }
        measures.forEach(m -> select.add(m.merged()));
        List<String> groups = new ArrayList<>(keys());
        if (windowColumn != null) groups.add("window_start");
        String groupClause = groups.isEmpty()
                ? ""
                : " GROUP BY " + String.join(", ", groups) + " ORDER BY " + String.join(", ", groups);
        return "SELECT " + String.join(", ", select) + " FROM (" + partials + ")" + groupClause;
    }

    /** Partial rows of many splits to one partial row per group, with the columns a split's partial has. */
    @Override
    public String fold(String partials) {
        List<String> groups = new ArrayList<>(keys());
        if (windowColumn != null) groups.add("window_start");
        List<String> select = new ArrayList<>(groups);
        measures.forEach(m -> select.addAll(m.foldedColumns()));
        return "SELECT " + String.join(", ", select) + " FROM (" + partials + ")"
                + (groups.isEmpty() ? "" : " GROUP BY " + String.join(", ", groups));
    }

    /** A sum of integers of more than 38 digits fails the same way at every attempt. */
    @Override
    public boolean raised(String message) {
        return message.contains(Measure.NOT_EXACT);
    }

    @Override
    public boolean changesOnly() {
        return changesOnly;
    }

    private List<String> keys() {
        return groupBy.stream().map(Sql::identifier).toList();
    }

    private List<String> groups() {
        List<String> groups = new ArrayList<>(keys());
        if (windowColumn != null) groups.add("window_start");
        return groups;
    }

    private String interval() {
        return "INTERVAL '" + windowSize.toMillis() + " milliseconds'";
    }
}
