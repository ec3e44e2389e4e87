package io.sluice.spi.sink;

import java.util.List;

/**
 * What a commit made visible.
 *
 * @param rowsOut rows committed
 * @param refused rows the target refused for their values (a database's NOT NULL, CHECK, key): not in the output, and
 *                counted as bad records with those the reader could not read, not as rows out
 * @param outputs the output's names as the user knows them (files relative to the sink's root, table names)
 */
public record Written(long rowsOut, long refused, List<String> outputs) {
    public static final Written NOTHING = new Written(0, List.of());

    public Written {
        if (rowsOut < 0) throw new IllegalArgumentException("rowsOut must be >= 0");
        if (refused < 0) throw new IllegalArgumentException("refused must be >= 0");
        outputs = List.copyOf(outputs);
    }

    /** A commit that wrote every row it was given. */
    public Written(long rowsOut, List<String> outputs) {
        this(rowsOut, 0, outputs);
    }
}
