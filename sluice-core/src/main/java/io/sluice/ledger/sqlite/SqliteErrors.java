package io.sluice.ledger.sqlite;

import io.sluice.spi.LedgerException;
import io.sluice.spi.LedgerRefusedException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

/** Turns SQLite's result codes into messages that name the ledger file and say what to do. */
final class SqliteErrors {
    private SqliteErrors() {}

    static LedgerException failure(Path file, String action, Duration busyTimeout, SQLException e) {
        String message = "SQLite ledger " + file + ": cannot " + action + ": " + explain(file, busyTimeout, e);
        return LedgerRefusedException.when(refused(e), message, e);
    }

    /**
     * True for a file that is no ledger, corrupt, or not writable: no wait makes it work (a lock, a full disk, a file
     * that cannot be opened for want of file handles or a volume not mounted yet may).
     */
    private static boolean refused(SQLException e) {
        return switch (e.getErrorCode() & 0xff) {
            case 3, 8, 11, 23, 26 -> true;
            default -> false;
        };
    }

    private static String explain(Path file, Duration busyTimeout, SQLException e) {
        String detail = " (" + e.getMessage() + ")";
        // the low byte is SQLite's primary result code, whether or not the driver reports extended codes
        return switch (e.getErrorCode() & 0xff) {
            case 5, 6 ->
                "the database is locked beyond " + seconds(busyTimeout) + " s: another process "
                        + "holds a write transaction on it; stop that process or retry later" + detail;
            case 26 -> "not a SQLite database: " + file + "; point state.sqlite at another file" + detail;
            case 11 ->
                "the file is corrupt; move it away (every split is then planned and processed again, "
                        + "which replaces its outputs) or restore it from a backup" + detail;
            case 13 -> "the disk is full; free space on it" + detail;
            case 3, 8, 23 ->
                "no permission to write the file or its folder (both need to be writable for the " + "write-ahead log)"
                        + detail;
            case 14 ->
                "cannot open the file; check that its folder exists and is writable and that it is not a "
                        + "folder itself" + detail;
            case 10, 15 -> "I/O error; the file must be on a local disk, not a network filesystem" + detail;
            default -> e.getMessage();
        };
    }

    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
    }
}
