package io.sluice.spi;

/**
 * The ledger backend failed (unreachable, corrupt, full). The message says which ledger and what to do; a secret
 * it quotes (a driver's message echoing the url it was given) is masked.
 */
public class LedgerException extends RuntimeException {
    public LedgerException(String message, Throwable cause) {
        super(io.sluice.config.Secret.redact(message), cause);
    }
}
