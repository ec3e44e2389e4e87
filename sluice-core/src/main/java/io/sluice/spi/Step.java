package io.sluice.spi;

/** A record step: turns the relation {@code input} into another relation, expressed as DuckDB SQL. */
public interface Step {
    /**
     * @param input a query producing this step's input
     * @return a query producing this step's output
     */
    String apply(String input);

    /**
     * True when the step converts every input column it reads itself. As the first step it then gets CSV columns
     * as text, exactly as written, instead of the types a reader guesses from a sample (which can read
     * 09/01/2023 as January 9th, drop an id's leading zeros, or reject a row whose value the sample did not foresee).
     */
    default boolean inputAsText() {
        return false;
    }

    /**
     * A column of this step's output that says why a row is bad (null for a good row), or null when the step finds
     * no bad rows. As the last step, its bad rows follow {@code run.on_bad_record} like unreadable records do (the
     * dead letters hold the reason and the row as JSON), and the column is not written.
     */
    default String rejectColumn() {
        return null;
    }

    /**
     * The step's SQL as the user wrote it, or null when the step writes its own: a syntax error is then reported in
     * the user's SQL, where {@link #apply}'s wrapping would have moved it.
     */
    default String sql() {
        return null;
    }

    /**
     * {@link #apply}'s query, but its own checks ({@link #raised}) name the record that fails them by the text of the
     * input's column {@code origin}, which says where the record was read (its output may keep the column); null when
     * they cannot. The engine runs it only after {@link #apply}'s query failed such a check, to tell which record did:
     * numbering records costs a read in order.
     */
    default String located(String input, String origin) {
        return null;
    }

    /**
     * Whether the engine's error {@code message} is this step's own check of the data failing (a rule its SQL raises
     * with {@code error()}): it fails the same way at every attempt over the same input, so the split is dead at once.
     */
    default boolean raised(String message) {
        return false;
    }
}
