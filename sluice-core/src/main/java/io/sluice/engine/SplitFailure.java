package io.sluice.engine;

import io.sluice.spi.source.LocalFiles;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A split the engine could not process, told in the user's words: the step to blame (when one is), the cause, and
 * the input by the name the user knows it by; never the SQL Sluice wraps around the steps, nor its spool files.
 */
public final class SplitFailure extends Exception {
    /** DuckDB's excerpt of the statement, with carets under the part that failed. */
    private static final Pattern EXCERPT = Pattern.compile("LINE \\d+: (.*)\\n( *)(\\^+)");

    private final boolean retryable;

    /** Thrown for a bad record under {@code on_bad_record: fail}: a file of a pack may hold it alone. */
    private final boolean badRecords;

    private SplitFailure(String message, boolean retryable, Throwable cause) {
        this(message, retryable, cause, false);
    }

    private SplitFailure(String message, boolean retryable, Throwable cause, boolean badRecords) {
        super(message, cause);
        this.retryable = retryable;
        this.badRecords = badRecords;
    }

    /**
     * A failure a step reports in its own words (a command that exited non-zero, say).
     *
     * @param retryable false when another attempt would fail the same way
     */
    static SplitFailure of(String message, boolean retryable) {
        return new SplitFailure(message, retryable, null);
    }

    /**
     * The split's input holds bad records and the pipeline says {@code on_bad_record: fail}: the same bytes hold them
     * at every attempt, so it is not retryable.
     */
    static SplitFailure badRecords(String message) {
        return new SplitFailure(message, false, null, true);
    }

    /** The same failure, told in other words (its cause kept: the runner's division reads it). */
    SplitFailure withMessage(String message) {
        return new SplitFailure(message, retryable, getCause(), badRecords);
    }

    /** The same failure, known to happen again at every attempt (a step's own check of the data). */
    SplitFailure notRetryable() {
        return new SplitFailure(getMessage(), false, getCause(), badRecords);
    }

    /** Whether the input's bad records failed the split ({@code on_bad_record: fail}), see {@link #badRecords}. */
    public boolean badRecords() {
        return badRecords;
    }

    /** False when another attempt would fail the same way (see {@link EngineErrors}). */
    public boolean retryable() {
        return retryable;
    }

    /**
     * @param queries   the source's records, then each step's result: {@code queries.get(i)} is step i's output
     * @param stepNames how messages name each step ({@link StepCheck#name})
     * @return null when {@code e} is not DuckDB's
     */
    static SplitFailure of(
            Connection c, SQLException e, List<String> queries, List<String> stepNames, LocalFiles input) {
        EngineErrors.EngineError error = EngineErrors.of(e).orElse(null);
        if (error == null) return null;
        int step = -1;
        List<String> columns = List.of();
        if (error.inTheSql()) {
            // the first step whose query does not bind is the one to blame; the sink's own SQL comes after them all
            for (int i = 1; i < queries.size() && step < 0; i++) {
                try {
                    StepCheck.describe(c, queries.get(i));
                } catch (SQLException bind) {
                    step = i;
                    error = EngineErrors.of(bind).orElse(error);
                    columns = columnsOf(c, queries.get(i - 1));
                }
            }
        } else if (error.conversion()) {
            step = queries.size() == 2 ? 1 : locate(e.getMessage(), queries);
        }
        String message = (step > 0 ? stepNames.get(step - 1) + ": " : "") + EngineErrors.explain(error, columns);
        for (LocalFiles.Part p : input.parts())
            message = message.replace(p.file().toString(), p.key());
        return new SplitFailure(message, !error.sameEveryTime(), e);
    }

    private static List<String> columnsOf(Connection c, String query) {
        try {
            return StepCheck.describe(c, query);
        } catch (SQLException e) {
            return List.of();
        }
    }

    /**
     * The step whose own SQL holds the part DuckDB's excerpt points at (each step's query wraps the previous one's, so
     * a step's own SQL is its query without the previous one), or -1 when no single step does.
     */
    static int locate(String message, List<String> queries) {
        Matcher m = EXCERPT.matcher(message);
        if (!m.find()) return -1;
        String line = m.group(1);
        int at = m.group(2).length() - (m.start(1) - m.start());
        if (at < 0 || at >= line.length()) return -1;
        String rest = line.substring(at).replaceFirst("\\.\\.\\.$", "");
        String token =
                line.substring(at, Math.min(line.length(), at + m.group(3).length()));
        for (String fragment : List.of(rest, token)) {
            int found = -1;
            for (int i = 1; i < queries.size(); i++) {
                if (!queries.get(i).replace(queries.get(i - 1), "").contains(fragment)) continue;
                found = found < 0 ? i : Integer.MAX_VALUE;
            }
            if (found > 0 && found != Integer.MAX_VALUE) return found;
        }
        return -1;
    }
}
