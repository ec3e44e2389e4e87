package io.sluice.spi;

/** The life of a split in the ledger. */
public enum SplitState {
    PENDING,
    CLAIMED,
    DONE,
    FAILED,
    DEAD;

    /** How ledgers store it: lower case, whatever the machine's locale (a Turkish one would turn I into ı). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static SplitState ofLabel(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT));
    }
}
