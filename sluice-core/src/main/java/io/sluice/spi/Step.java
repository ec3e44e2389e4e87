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
}
