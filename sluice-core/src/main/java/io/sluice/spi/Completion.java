package io.sluice.spi;

import java.util.List;

/** What a committed split produced, recorded with its {@code done} state. */
public record Completion(long rowsIn, long rowsOut, long rejected, List<String> outputs) {
    public Completion {
        outputs = List.copyOf(outputs);
        if (rowsIn < 0 || rowsOut < 0 || rejected < 0) throw new IllegalArgumentException("row counts must be >= 0");
    }
}
