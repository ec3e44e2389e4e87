package io.sluice.spi;

/**
 * The ledger answered and refused this process: a login or a permission, a database, table or file that is missing or
 * not a ledger. Unlike an outage, waiting does not help: the settings (or the ledger) must change, so a pool member
 * that rides outages out stops on this one, and its supervisor (a Deployment, systemd) starts it again with the new
 * settings.
 */
public class LedgerRefusedException extends LedgerException {
    public LedgerRefusedException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The failure a ledger's error translation returns: a refusal when the backend answered and refused
     * ({@code refused}), else a plain {@link LedgerException}, which a pool member waits out as an outage.
     */
    public static LedgerException when(boolean refused, String message, Throwable cause) {
        return refused ? new LedgerRefusedException(message, cause) : new LedgerException(message, cause);
    }
}
