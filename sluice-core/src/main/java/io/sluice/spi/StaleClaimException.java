package io.sluice.spi;

/** The claim's fencing token is no longer current: its lease expired and another worker took the split over. */
public final class StaleClaimException extends Exception {
    public StaleClaimException(String splitId, long token) {
        super("split " + splitId + ": claim token " + token
                + " is stale (the lease expired and the split was taken over); its result is discarded");
    }
}
