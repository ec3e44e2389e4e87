package io.sluice.spi;

/** A record step: turns the relation {@code input} into another relation, expressed as DuckDB SQL. */
public interface Step {
    /**
     * @param input a query producing this step's input
     * @return a query producing this step's output
     */
    String apply(String input);
}
