package io.sluice.spi;

/**
 * Where CSV records end, byte by byte, as DuckDB reads them: a quote opens a quoted field only at the start of a field
 * (spaces before it aside); inside one, an escaped quote is a quote (RFC 4180's doubled quote, or a backslash and a
 * quote in {@link #backslashEscapes} files) and a single one closes the field. A quote anywhere else is text
 * ({@code TV 55" screen}), so counting quotes would misplace every record end after it. A closed quoted field followed
 * by anything but spaces, a delimiter or a line end is {@link #malformed}: the file is quoted some other way. In the SPI
 * because the files source cuts csv files at record ends with it and the engine finds CRs outside quotes with it.
 */
public final class CsvRecords {
    /** The delimiters DuckDB's sniffer tries. */
    private static final byte[] CANDIDATES = {',', '\t', ';', '|'};

    private enum State {
        FIELD_START,
        UNQUOTED,
        QUOTED,
        QUOTE_IN_QUOTED,
        ESCAPED,
        CLOSED
    }

    private final byte[] delimiters;
    private final boolean[] delimiter = new boolean[256];
    /** The byte that opens and closes a quoted field; -1: none (no field is quoted). */
    private final int quote;
    /** The byte that escapes the next one inside a quoted field; -1: a doubled quote is a quote (RFC 4180). */
    private final int escape;

    private State state = State.FIELD_START;
    private boolean malformed;

    private CsvRecords(byte[] delimiters, int quote, int escape) {
        this.delimiters = delimiters.clone();
        for (byte d : delimiters) delimiter[d & 0xFF] = true;
        this.quote = quote;
        this.escape = escape == quote ? -1 : escape;
    }

    /**
     * Records of a file read with the dialect DuckDB's sniffer found or was given: its {@code delimiter}, its {@code
     * quote} and {@code escape} bytes (-1: none; an escape equal to the quote is a doubled quote).
     */
    public static CsvRecords of(byte delimiter, int quote, int escape) {
        return new CsvRecords(new byte[] {delimiter}, quote, escape);
    }

    /** The same records, from the start: a record's end is looked for from its first byte. */
    public CsvRecords fresh() {
        return new CsvRecords(delimiters, quote, escape);
    }

    /** Records of a file whose delimiter is not known yet (its first line): any of DuckDB's candidates ends a field. */
    public static CsvRecords anyDelimiter() {
        return new CsvRecords(CANDIDATES, '"', -1);
    }

    /** The same records, from the start, read with a backslash as the escape inside quoted fields ({@code "5\" screen"}). */
    public CsvRecords backslashEscapes() {
        return new CsvRecords(delimiters, quote, '\\');
    }

    /** Records whose fields end at the delimiter the first line uses most (none: one column a line). */
    public static CsvRecords delimitedAs(byte[] firstLine) {
        int[] counts = new int[CANDIDATES.length];
        CsvRecords fields = anyDelimiter();
        for (byte b : firstLine) {
            boolean quoted = fields.state == State.QUOTED;
            fields.endsRecord(b);
            for (int c = 0; c < CANDIDATES.length && !quoted; c++) if (b == CANDIDATES[c]) counts[c]++;
        }
        int best = -1;
        for (int c = 0; c < CANDIDATES.length; c++)
            if (counts[c] > 0 && (best < 0 || counts[c] > counts[best])) best = c;
        return new CsvRecords(best < 0 ? new byte[0] : new byte[] {CANDIDATES[best]}, '"', -1);
    }

    /** Takes the next byte; true when it is the newline that ends a record. */
    public boolean endsRecord(byte b) {
        switch (state) {
            case QUOTED -> {
                if ((b & 0xFF) == quote) state = State.QUOTE_IN_QUOTED;
                else if ((b & 0xFF) == escape) state = State.ESCAPED;
                return false;
            }
            case ESCAPED -> {
                state = State.QUOTED;
                return false;
            }
            case QUOTE_IN_QUOTED -> {
                if ((b & 0xFF) == quote && escape < 0) {
                    state = State.QUOTED;
                    return false;
                }
                state = State.CLOSED;
                return afterQuotedField(b);
            }
            case CLOSED -> {
                return afterQuotedField(b);
            }
            case FIELD_START -> {
                if ((b & 0xFF) == quote) {
                    state = State.QUOTED;
                    return false;
                }
                if (b == ' ') return false;
                return unquoted(b);
            }
            default -> {
                return unquoted(b);
            }
        }
    }

    /**
     * Takes the bytes {@code buf[from, n)} up to the next newline that ends a record; returns the index after it, or -1
     * when none is there (all of them taken). The same as {@link #endsRecord} byte by byte, but inside a field only
     * the bytes that can end it are looked at: planning reads every byte of a file it cuts.
     */
    public int nextRecordEnd(byte[] buf, int from, int n) {
        int i = from;
        while (i < n) {
            switch (state) {
                case QUOTED -> {
                    while (i < n) {
                        byte b = buf[i++];
                        if ((b & 0xFF) == quote) {
                            state = State.QUOTE_IN_QUOTED;
                            break;
                        }
                        if ((b & 0xFF) == escape) {
                            state = State.ESCAPED;
                            break;
                        }
                    }
                }
                case UNQUOTED -> {
                    while (i < n) {
                        byte b = buf[i++];
                        if (b == '\n') {
                            state = State.FIELD_START;
                            return i;
                        }
                        if (delimiter[b & 0xFF]) {
                            state = State.FIELD_START;
                            break;
                        }
                    }
                }
                default -> {
                    if (endsRecord(buf[i++])) return i;
                }
            }
        }
        return -1;
    }

    private boolean unquoted(byte b) {
        if (b == '\n') {
            state = State.FIELD_START;
            return true;
        }
        state = delimiter[b & 0xFF] ? State.FIELD_START : State.UNQUOTED;
        return false;
    }

    private boolean afterQuotedField(byte b) {
        if (b == '\n' || delimiter[b & 0xFF]) return unquoted(b);
        if (b != ' ' && b != '\r') {
            malformed = true;
            state = State.UNQUOTED;
        }
        return false;
    }

    /** Whether the bytes so far end inside a quoted field (one that never closes, if they are the whole file). */
    public boolean inQuotedField() {
        return state == State.QUOTED || state == State.ESCAPED;
    }

    /** Whether a quoted field was followed by text: the file's quoting is not RFC 4180's. */
    public boolean malformed() {
        return malformed;
    }
}
