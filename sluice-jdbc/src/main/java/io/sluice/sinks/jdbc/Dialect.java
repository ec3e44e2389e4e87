package io.sluice.sinks.jdbc;

import io.sluice.spi.sink.Rows;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What differs between databases for the jdbc sink: quoting, the catalog, the type mapping, how staged rows get into
 * the database fast, locks, and the statements that write rows over existing ones by key. PostgreSQL's is
 * {@link PostgresDialect}, MariaDB's and MySQL's {@link MariaDbDialect}.
 */
interface Dialect {

    /** The database's name as a message says it. */
    String name();

    /**
     * This dialect for the server the connection is to, where what it writes depends on what the server has (MariaDB's
     * and MySQL's exact collation, {@link #exact}); asked once per sink, at its first connection.
     */
    default Dialect on(Connection c) throws SQLException {
        return this;
    }

    /** An identifier quoted as written (case kept). */
    String quote(String identifier);

    /**
     * The database's type for a column of the engine's (DuckDB's) type; empty when there is none.
     *
     * @param key whether the column is part of the primary key of a table Sluice creates
     */
    Optional<String> columnType(String engineType, boolean key);

    /**
     * The form in which the database tells column names apart: two names of the same form are one column (PostgreSQL
     * keeps the first 63 bytes of a name; MariaDB does not tell case apart).
     */
    default String columnKey(String name) {
        return name;
    }

    /** The most characters of a column's name (longer ones are refused, not cut, by the database). */
    default int maxNameLength() {
        return Integer.MAX_VALUE;
    }

    /** Why two names of the same {@link #columnKey} are one column, as a message says it. */
    String sameColumnBecause();

    /** A text column that can be part of a primary key or index, holding up to {@code length} characters. */
    String keyText(int length);

    /** A column of any text. */
    String text();

    /**
     * The text type given, comparing byte for byte: for the bookkeeping's keys and the split ids in
     * {@code _sluice_split}, where {@code A.csv} must never be {@code a.csv} nor {@code a.csv } (MariaDB's default
     * collations ignore case and accents, its {@code utf8mb4_bin} trailing spaces). PostgreSQL's text compares so
     * already.
     */
    default String exact(String textType) {
        return textType;
    }

    /**
     * The expression of a text column, comparing byte for byte whatever the column's collation: for the split ids in
     * {@code _sluice_split} of a table an earlier Sluice made (a filter beside the indexed one, not instead of it).
     */
    default String exactly(String column) {
        return column;
    }

    /**
     * Whether the bookkeeping is as this Sluice makes it, in one catalog query: each table of {@code t}'s schema named
     * in {@code columns} has the column named there, the text columns of {@code t} named in {@code exactColumns}
     * compare as {@link #exact}, and each table named in {@code indexes} has the index named there. The check every
     * commit makes before the bookkeeping's DDL.
     *
     * @param columns of tables in {@code t}'s schema, each table's name and the name of a column it must have
     * @param indexes of tables in {@code t}'s schema, each table's name and the name of an index it must have
     */
    boolean complete(
            Connection c,
            TableName t,
            Map<String, String> columns,
            Map<String, String> indexes,
            Collection<String> exactColumns)
            throws SQLException;

    /** Of the table's columns named, those whose text does not compare as {@link #exact} (an earlier Sluice's). */
    default Set<String> inexact(Connection c, TableName t, Collection<String> columns) throws SQLException {
        return Set.of();
    }

    /**
     * The statement that gives the table's columns these definitions, keeping their values (where {@link #inexact}
     * finds columns).
     */
    default String redefine(String qualifiedTable, Map<String, String> definitions) {
        throw new UnsupportedOperationException(name() + " compares text exactly");
    }

    /** A column holding when something happened. */
    String timestamp();

    /** The same, NOT NULL, filled with the time of the insert when not given. */
    default String timestampNow() {
        return timestamp() + " NOT NULL DEFAULT CURRENT_TIMESTAMP";
    }

    /** What {@code CREATE TABLE ... (...)} ends with: the table's options (a character set). */
    default String tableOptions() {
        return "";
    }

    /** The statement creating an index on one column (name unique in the table). */
    String createIndex(String qualifiedTable, String indexName, String column);

    /**
     * A text column of {@link #text} as an index's column: where the database indexes such a column only by a prefix
     * (MariaDB's {@code longtext}), its first {@code length} characters.
     */
    default String indexedText(String column, int length) {
        return column;
    }

    /** Whether the table has an index of this name. */
    boolean hasIndex(Connection c, TableName t, String indexName) throws SQLException;

    /** A statement run on every new connection of the sink's pool; null for none. */
    default String connectionInit() {
        return null;
    }

    /** The query giving the connection's current schema (PostgreSQL) or database (MariaDB). */
    String currentSchema();

    // ---- catalog -------------------------------------------------------------------------------------------

    boolean exists(Connection c, TableName t) throws SQLException;

    /**
     * The table's columns in order, each with the type a staged text value is converted to (see {@link #value});
     * empty when there is no such table.
     */
    Map<String, String> columns(Connection c, TableName t) throws SQLException;

    /** The primary key's columns, in the key's order; empty when none. */
    List<String> primaryKey(Connection c, TableName t) throws SQLException;

    /** The column sets of the table's unique indexes (primary key included) that an upsert can match on. */
    Set<Set<String>> uniqueIndexes(Connection c, TableName t) throws SQLException;

    // ---- row numbers ---------------------------------------------------------------------------------------

    /**
     * Whether the rows of a table Sluice creates carry the number of the commit that wrote them in
     * {@code _sluice_split} ({@code bigint}, drawn from a sequence of the schema at each attempt), rather than their
     * split's id as text: 8 bytes a row instead of the id's length, stored, parsed and indexed for every row.
     */
    default boolean numbersRows() {
        return false;
    }

    /** The statement creating the sequence unless it exists (where {@link #numbersRows}). */
    default String createSequence(String qualifiedSequence) {
        throw new UnsupportedOperationException(name() + " does not number rows");
    }

    /** The query giving the sequence's next number (where {@link #numbersRows}). */
    default String nextNumber(String qualifiedSequence) {
        throw new UnsupportedOperationException(name() + " does not number rows");
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    /**
     * Takes the lock {@code name} that makes concurrent commits create or change tables one at a time: until the
     * transaction ends (PostgreSQL), or until {@link #unlock} (MariaDB, where DDL commits the transaction).
     */
    void lock(Connection c, String name) throws SQLException;

    default void unlock(Connection c, String name) throws SQLException {}

    // ---- staging and writing -------------------------------------------------------------------------------

    /**
     * Creates the session's staging table (every column text, plus {@code _sluice_row}: the row's position in the
     * split, from 1), which nobody else sees, and loads the rows into it.
     *
     * @param scratch the attempt's folder for a file the rows pass through on their way (removed by the framework)
     * @return the rows loaded
     */
    long stage(Connection c, String staging, List<String> columns, Rows rows, Path scratch) throws Exception;

    /**
     * Whether {@code mode: append} loads the rows straight into the table at the commit ({@link #appendFile}), with no
     * staging table: the rows then pass through the database once.
     */
    default boolean appendsDirectly() {
        return false;
    }

    /**
     * Loads a CSV file (a header line, then the table's {@code columns} in order, text as the engine writes it) into
     * the table in one statement, as part of the connection's transaction; throws what {@link #refusesRow} tells apart
     * when a value does not fit, and nothing of the file is then in the table.
     *
     * @return the rows loaded
     */
    default long appendFile(Connection c, String qualifiedTable, List<String> columns, Path csv)
            throws SQLException, IOException {
        throw new UnsupportedOperationException(name() + " has no direct append");
    }

    /** {@link #stage} from a CSV file written as {@link #appendFile} takes it. */
    default long stageFile(Connection c, String staging, List<String> columns, Path csv)
            throws SQLException, IOException {
        throw new UnsupportedOperationException(name() + " stages from rows only");
    }

    /** Drops the staging table after the transaction ended, where it outlives it (MariaDB's temporary tables). */
    default void unstage(Connection c, String staging) throws SQLException {}

    /** An insert that does nothing when a row with the same primary key exists; one {@code ?} per column. */
    String insertIfMissing(String table, List<String> columns);

    /** The expression converting a staged text value to a column of the given type (from {@link #columns}). */
    String value(String staged, String columnType);

    /**
     * The expression converting staged hex digits (a BLOB's bytes) to a column of the given type: the bytes themselves
     * in a binary column, the text they are in UTF-8 in a text column (refused when they are not UTF-8).
     */
    String fromHex(String staged, String columnType);

    /** The expression of a text parameter ({@code ?}) in a SELECT list. */
    String textParameter();

    /**
     * The SELECT of the staged rows {@code from} with one row per key, the split's last one winning, where the writing
     * statement needs that (PostgreSQL's may not write one row twice); rows in the split's order otherwise. A row with
     * a NULL key is a key of its own, unless {@code nullsEqual} ({@link #nullKeysEqual}).
     */
    String latestPerKey(List<String> values, String from, List<String> keyExpressions, boolean nullsEqual);

    /**
     * Whether the table's unique index on exactly these columns counts NULLs as equal (PostgreSQL 15's
     * {@code NULLS NOT DISTINCT}): rows whose keys are NULL are then one key, and the split's last one wins.
     */
    default boolean nullKeysEqual(Connection c, TableName t, List<String> keys) throws SQLException {
        return false;
    }

    /** The statement writing the selected rows over the rows with the same keys, inserting the others. */
    String upsert(String table, List<String> columns, String select, List<String> keys);

    /** The same through {@code MERGE}, which needs no unique index on the keys; empty when the database has none. */
    Optional<String> merge(String table, List<String> columns, String select, List<String> keys);

    /** The expression of a JSON object (as text) of the given columns of the row {@code alias}. */
    String jsonObject(String alias, List<String> columns);

    /** Whether the failure is the database refusing a row's values (a constraint, a type, a length), not the statement. */
    boolean refusesRow(SQLException e);

    /** Whether the failure is the connection breaking (the server stopped or unreachable): another attempt may pass. */
    default boolean connectionLost(SQLException e) {
        // SSL asked of a server without it: PostgreSQL's driver says so with an 08 state, but no retry will pass
        if (io.sluice.config.JdbcDrivers.sslRefused(e)) return false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"))
                    return true;
            }
            if (t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException) return true;
        }
        return false;
    }
}
