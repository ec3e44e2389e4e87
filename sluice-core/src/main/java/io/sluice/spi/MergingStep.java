package io.sluice.spi;

/**
 * A step whose result is exact only over all splits together (an aggregate). Each split's result is a partial,
 * stored by the sink under the split's id (a replay replaces it); the merged result is rebuilt from every partial.
 * It must be the last step.
 */
public interface MergingStep extends Step {
    /**
     * @param partials a query producing every split's partial rows
     * @return a query producing the merged rows
     */
    String merge(String partials);

    /**
     * Folds partial rows into fewer partial rows (the same columns), so that merging the folded rows gives the same
     * result as merging the rows they came from: how the sink compacts the partials of many splits into one.
     *
     * @param partials a query producing partial rows of many splits
     * @return a query producing partial rows, one per group
     */
    String fold(String partials);

    /** The sink receives only the groups whose values changed since the previous merge, not every group. */
    boolean changesOnly();
}
