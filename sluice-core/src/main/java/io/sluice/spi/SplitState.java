package io.sluice.spi;

/** The life of a split in the ledger. */
public enum SplitState {
    PENDING, CLAIMED, DONE, FAILED, DEAD;

    public String label() {
        return name().toLowerCase();
    }
}
