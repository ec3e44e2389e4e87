package io.sluice.spi.sink;

import java.util.List;

/**
 * What a commit made visible.
 *
 * @param rowsOut rows committed
 * @param outputs the output's names as the user knows them (files relative to the sink's root, table names)
 */
public record Written(long rowsOut, List<String> outputs) {
    public static final Written NOTHING = new Written(0, List.of());

    public Written {
        if (rowsOut < 0) throw new IllegalArgumentException("rowsOut must be >= 0");
        outputs = List.copyOf(outputs);
    }
}
