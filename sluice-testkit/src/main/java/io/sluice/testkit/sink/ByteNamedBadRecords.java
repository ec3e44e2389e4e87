package io.sluice.testkit.sink;

import io.sluice.engine.DuckRows;
import io.sluice.runner.SplitCommit;
import io.sluice.spi.Member;
import io.sluice.spi.OutputKey;
import io.sluice.spi.Split;
import io.sluice.spi.sink.Sink;
import io.sluice.spi.sink.SinkWriter;
import io.sluice.spi.sink.WriteContext;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;

/**
 * Bad records as the reader gives them to a sink that keeps its dead letters in a table (jdbc, BigQuery): one of a late
 * byte range of a file, whose lines are not counted, named by the byte where it starts ({@code line} null, a column
 * {@code byte}), and one of a whole file, named by its line ({@code byte} null).
 */
public final class ByteNamedBadRecords {
    /** A byte range of {@code big.csv} 1 GiB in: its bad record starts at byte 1073741836 of the file. */
    public static final Split RANGE = new Split(
            "big.csv#1073741824-1207959552@v1",
            List.of(new Member("big.csv", "v1", 1_073_741_824L, 1_207_959_552L, null)),
            134_217_728L,
            null,
            new OutputKey("big.csv", "v1", 1_073_741_824L, 1_207_959_552L));

    /** The whole file {@code small.csv}: its bad record is on line 7. */
    public static final Split WHOLE_FILE =
            new Split("small.csv", List.of(Member.whole("small.csv", "v1", null)), 10, null, null);

    /** {@link #RANGE}'s bad record as a table keeps it: {@code file|line|byte|reason}. */
    public static final String KEPT_BY_BYTE = "big.csv|null|1073741836|TOO MANY COLUMNS";

    /** {@link #WHOLE_FILE}'s, its byte NULL. */
    public static final String KEPT_BY_LINE = "small.csv|7|null|unreadable";

    private ByteNamedBadRecords() {}

    /** Stages one row ({@code tag, n}) and the split's bad record, and commits them. */
    public static void commit(Sink sink, Split split, Connection duck, WriteContext scratch, SplitCommit claim)
            throws Exception {
        String bad = split.equals(RANGE)
                ? "'big.csv' AS file, NULL::BIGINT AS line, 1073741836::BIGINT AS \"byte\", 'TOO MANY COLUMNS' AS reason"
                : "'small.csv' AS file, 7::BIGINT AS line, NULL::BIGINT AS \"byte\", 'unreadable' AS reason";
        try (SinkWriter w = sink.open(split, scratch)) {
            w.stage(
                    new DuckRows(duck, "SELECT 'x' AS tag, 1::INTEGER AS n"),
                    () -> Optional.of(
                            new DuckRows(duck, "SELECT '" + split.id() + "' AS split, " + bad + ", 'a,b' AS record")));
            w.commit(claim);
        }
    }
}
