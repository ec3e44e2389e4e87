package io.sluice.spi;

/** What happens to a record that cannot be read (malformed row, wrong type, bad encoding). */
public enum BadRecordPolicy {
    /** The split fails, is retried, and ends dead with the error. */
    FAIL,
    /** The record is dropped and counted. */
    SKIP,
    /** The record is written under the sink's {@code _dead_letter/} with its reason, file and line. */
    DEAD_LETTER;

    public static BadRecordPolicy of(String text) {
        return valueOf(text.toUpperCase(java.util.Locale.ROOT));
    }
}
