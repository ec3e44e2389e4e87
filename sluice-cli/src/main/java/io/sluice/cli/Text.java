package io.sluice.cli;

import io.sluice.config.Validator;
import io.sluice.planning.Plan;
import io.sluice.runner.SettlePatience;
import io.sluice.spi.SplitInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How numbers, sizes and splits read on a terminal. */
final class Text {
    private Text() {}

    static String bytes(long n) {
        return io.sluice.spi.Sizes.human(n);
    }

    /**
     * What follows the count of a plan's inputs still being written: the files source's {@code settle}, which decides
     * when they are read (a writer that keeps touching a file, or a settle written too long, keeps it waiting).
     */
    static String stillBeingWritten(Plan plan) {
        long settle = SettlePatience.settleMillis(plan);
        return "still being written"
                + (settle == 0
                        ? ""
                        : " (source.files.settle is " + Validator.formatDuration(Duration.ofMillis(settle))
                                + ": a file is read once it has not changed for that long)");
    }

    static String count(long n) {
        if (n < 10_000) return Long.toString(n);
        if (n < 10_000_000) return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        return String.format(Locale.ROOT, "%.1fM", n / 1e6);
    }

    /**
     * What a run moved per second: bytes, or rows for a source of rows (a database table), which has no bytes to
     * count.
     */
    static String rate(long bytes, long rows, long millis) {
        double seconds = Math.max(millis, 1) / 1000.0;
        return bytes > 0 ? bytes((long) (bytes / seconds)) + "/s" : count((long) (rows / seconds)) + " rows/s";
    }

    static String millis(long ms) {
        if (ms < 1000) return ms + " ms";
        if (ms < 60_000) return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        Duration d = Duration.ofMillis(ms);
        return String.format(Locale.ROOT, "%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }

    /**
     * What plan, status and run say about done splits made by another version of the pipeline's steps or sink
     * ({@link io.sluice.pipeline.PipelineVersion}); nothing when there are none.
     */
    static List<String> outdated(Map<String, Long> doneByVersion, String current, Path pipeline) {
        long earlier = 0;
        long unknown = 0;
        for (Map.Entry<String, Long> e : doneByVersion.entrySet()) {
            if (e.getKey().isEmpty()) unknown += e.getValue();
            else if (!e.getKey().equals(current)) earlier += e.getValue();
        }
        List<String> lines = new ArrayList<>();
        String rebuild = "`sluice run " + pipeline + " --rebuild-outdated`";
        if (earlier > 0) {
            lines.add(earlier
                    + " split(s) were made by an earlier version of the pipeline (its steps, sink or how the source reads changed): "
                    + rebuild + " processes them again");
        }
        if (unknown > 0) {
            lines.add(unknown + " split(s) were made before Sluice recorded the pipeline's version: if the steps or "
                    + "sink changed since, " + rebuild + " processes them again");
        }
        return lines;
    }

    static String splitLine(SplitInfo s) {
        StringBuilder b = new StringBuilder(
                String.format(Locale.ROOT, "  %-8s %s", s.state().label(), s.id()));
        b.append(String.format(Locale.ROOT, "  [%d file(s), %s", s.members(), bytes(s.bytes())));
        if (s.attempts() > 0) b.append(", attempts ").append(s.attempts());
        if (s.rowsIn() > 0 || s.rowsOut() > 0)
            b.append(", rows ")
                    .append(s.rowsIn())
                    .append(" in / ")
                    .append(s.rowsOut())
                    .append(" out");
        if (s.owner() != null && s.leaseUntil() != null)
            b.append(", held by ").append(s.owner()).append(" until ").append(s.leaseUntil());
        if (s.nextRetry() != null) {
            long in = Duration.between(Instant.now(), s.nextRetry()).toMillis();
            b.append(in > 0 ? ", next try in " + millis(in) : ", retry due");
        }
        b.append(']');
        if (s.lastError() != null)
            b.append("\n           error: ").append(s.lastError().replace("\n", "\n           "));
        return b.toString();
    }

    /** Rows under their column names, each column as wide as its widest value (at most 40 characters). */
    static String table(List<String> columns, List<List<String>> rows) {
        int[] width = new int[columns.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = cell(columns.get(i)).length();
            for (List<String> row : rows)
                width[i] = Math.max(width[i], cell(row.get(i)).length());
        }
        StringBuilder b = new StringBuilder();
        line(b, columns, width);
        line(b, java.util.Arrays.stream(width).mapToObj("-"::repeat).toList(), width);
        rows.forEach(row -> line(b, row, width));
        return b.toString();
    }

    private static void line(StringBuilder b, List<String> cells, int[] width) {
        for (int i = 0; i < width.length; i++) {
            String c = cell(cells.get(i));
            b.append(i == 0 ? "" : "  ")
                    .append(c)
                    .append(i == width.length - 1 ? "" : " ".repeat(width[i] - c.length()));
        }
        b.append('\n');
    }

    /** One line, at most 40 characters; NULL for a missing value. */
    private static String cell(String value) {
        if (value == null) return "NULL";
        String flat = value.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
        return flat.length() > 40 ? flat.substring(0, 37) + "..." : flat;
    }
}
