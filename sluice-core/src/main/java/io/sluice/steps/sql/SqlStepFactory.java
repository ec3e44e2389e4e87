package io.sluice.steps.sql;

import io.sluice.config.Type;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Step;
import io.sluice.spi.StepFactory;

/** {@code - sql: SELECT ... FROM input}: any DuckDB query over the previous result, named {@code input}. */
public final class SqlStepFactory implements StepFactory<String> {
    private static final java.util.regex.Pattern CALLS_ERROR =
            java.util.regex.Pattern.compile("\\berror\\s*\\(", java.util.regex.Pattern.CASE_INSENSITIVE);

    @Override
    public String kind() {
        return "sql";
    }

    @Override
    public Type<String> options() {
        return Type.STRING;
    }

    @Override
    public String description() {
        return "A DuckDB SQL query over the relation `input` (the source's records, or the previous step's result). "
                + "Any DuckDB SQL works: filters, casts, joins with `VALUES` lists, window functions, `WITH` clauses.";
    }

    @Override
    public Step create(String options, PipelineContext context) {
        String body = OneQuery.of(options.strip());
        return new Step() {
            @Override
            public String apply(String input) {
                // the previous result is bound as the CTE `input`, visible inside the user's query (and its own WITHs)
                return "WITH input AS (" + input + ") SELECT * FROM (" + body + "\n)";
            }

            @Override
            public String sql() {
                return body;
            }

            /** A check the query makes of the data with {@code error()}: the same rows raise it at every attempt. */
            @Override
            public boolean raised(String message) {
                return message.startsWith("Invalid Input Error: ")
                        && CALLS_ERROR.matcher(body).find();
            }
        };
    }
}
