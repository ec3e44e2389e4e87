package io.sluice.spi;

/** What happens to a record that cannot be read (malformed row, wrong type, bad encoding). */
public enum BadRecordPolicy {
    /** The split fails, dead at once (its bytes hold the same bad records at every attempt), with the error. */
    FAIL,
    /** The record is dropped and counted. */
    SKIP,
    /**
     * The record is written as a dead letter: {@code split, file, line, byte, reason, record} ({@code byte} where it
     * starts, for a record not named by its line).
     */
    DEAD_LETTER;

    public static BadRecordPolicy of(String text) {
        return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
}
