package io.sluice.sinks.jdbc;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What differs between databases for the jdbc sink: quoting, the type mapping, how staged rows get into the database
 * fast, and the statement that writes rows over existing ones by key. PostgreSQL's is {@link PostgresDialect}; a
 * MySQL/MariaDB dialect would load with batched multi-row inserts (or {@code LOAD DATA LOCAL}) and write by key with
 * {@code INSERT ... ON DUPLICATE KEY UPDATE}.
 */
interface Dialect {

    /** An identifier quoted as written (case kept). */
    String quote(String identifier);

    /** The database's type for a column of the engine's (DuckDB's) type; empty when there is none. */
    Optional<String> columnType(String engineType);

    /**
     * Creates the session's staging table (every column text, plus {@code _sluice_row}: the row's position in the
     * split, from 1) for the current transaction only, and loads the CSV file (a header line, NULL as an unquoted
     * empty field) into it.
     *
     * @return the rows loaded
     */
    long stage(Connection c, String staging, List<String> columns, Path csv) throws SQLException, java.io.IOException;

    /**
     * Loads the CSV file (as {@link #stage} reads it) straight into {@code table}, each value parsed as its column's
     * type, with {@code value} in {@code extraColumn} of every row; fails as a whole when one row is refused.
     *
     * @return the rows loaded
     */
    long copy(Connection c, String table, List<String> columns, String extraColumn, String value, Path csv)
            throws SQLException, java.io.IOException;

    /**
     * The statement writing the selected rows (already deduplicated by key, the last one winning) over the rows with
     * the same keys, inserting the others: {@code INSERT ... ON CONFLICT (keys) DO UPDATE} in PostgreSQL,
     * {@code INSERT ... ON DUPLICATE KEY UPDATE} in MySQL.
     */
    String upsert(String table, List<String> columns, String select, List<String> keys);

    /** The same through {@code MERGE}, which needs no unique index on the keys; empty when the database has none. */
    Optional<String> merge(String table, List<String> columns, String select, List<String> keys);

    /** Whether the failure is the database refusing a row's values (a constraint, a type, a length), not the statement. */
    boolean refusesRow(SQLException e);
}
