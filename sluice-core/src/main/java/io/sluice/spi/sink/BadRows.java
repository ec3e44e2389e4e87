package io.sluice.spi.sink;

import java.util.Optional;

/**
 * A split's bad records, known only once its rows were read: the reader finds them during the same scan that writes
 * the rows. Columns: {@code split, file, line, byte, reason, record}.
 */
@FunctionalInterface
public interface BadRows {
    BadRows NONE = Optional::empty;

    /**
     * The bad records to keep beside the rows (empty: none, or the pipeline drops them); throws to abandon the
     * attempt ({@code on_bad_record: fail}). Ask it right after the rows were written.
     */
    Optional<Rows> rows() throws Exception;
}
