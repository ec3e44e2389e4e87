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

    /** The sink receives only the groups whose values changed since the previous merge, not every group. */
    boolean changesOnly();
}
