package io.sluice.spi.source;

/**
 * How the framework packs the small units a source proposes ({@link Proposal#units}) into splits: in the order
 * proposed, per {@link Unit#group}, at most {@code maxUnits} units and about {@code maxBytes} bytes a split. With
 * little to do, packs are made smaller so that every one of {@code parallelism} workers gets one, but no smaller than
 * {@code minBytes}.
 *
 * @param spreadUnits the number of units a pack holds is also lowered to spread the units over the workers (files:
 *                    many small files make one pack per worker); false: only bytes are spread (a tailed log's few new
 *                    lines in each of 50 logs make one split, not 50)
 */
public record Packing(int maxUnits, long maxBytes, long minBytes, int parallelism, boolean spreadUnits) {
    public Packing {
        if (maxUnits < 1) throw new IllegalArgumentException("maxUnits must be >= 1: " + maxUnits);
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be >= 1: " + maxBytes);
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1: " + parallelism);
    }

    /**
     * One small piece of work to pack: a split of its own if it ends up alone.
     *
     * @param group     units of different groups never share a pack (files: their format)
     * @param exclusive units with the same non-null value never share a pack (a tailed log: two ranges of one log)
     */
    public record Unit(io.sluice.spi.Split split, String group, String exclusive) {
        public Unit {
            java.util.Objects.requireNonNull(split, "split");
            java.util.Objects.requireNonNull(group, "group");
        }
    }
}
