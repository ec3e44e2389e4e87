package io.sluice.spi;

/** The ledger backend failed (unreachable, corrupt, full). The message says which ledger and what to do. */
public class LedgerException extends RuntimeException {
    public LedgerException(String message, Throwable cause) {
        super(message, cause);
    }
}
