package io.sluice.sinks.jdbc;

import io.sluice.spi.sink.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * A record that did not get into the table: one the reader could not read (from {@code BadRows}), or a row the
 * database refused, with its key and the database's message.
 *
 * @param file      the input it came from (a refused row: the split's input)
 * @param line      the input's line, or a refused row's position in the split (from 1); null for a record named by
 *                  its byte
 * @param startByte the byte of the input where the record starts, for a record of a byte range whose lines are not
 *                  counted (its {@code line} null); null otherwise
 * @param key       the refused row's keys as JSON; null without keys
 * @param record    the record as read, or the refused row as JSON
 */
record DeadLetter(String file, Long line, Long startByte, String key, String reason, String record) {
    /** The column of {@link #startByte} in {@code _sluice_dead_letter}, named as the files sink's field. */
    static final String BYTE = "byte";

    /** The bad records the reader found (columns {@code split, file, line, byte, reason, record}). */
    static List<DeadLetter> read(Rows rows) throws Exception {
        List<DeadLetter> out = new ArrayList<>();
        List<String> columns = rows.columns();
        try (Rows.RowCursor cursor = rows.cursor()) {
            while (cursor.next()) {
                out.add(new DeadLetter(
                        text(cursor.get(columns.indexOf("file"))),
                        number(cursor.get(columns.indexOf("line"))),
                        number(cursor.get(columns.indexOf(BYTE))),
                        null,
                        text(cursor.get(columns.indexOf("reason"))),
                        text(cursor.get(columns.indexOf("record")))));
            }
        }
        return out;
    }

    private static Long number(Object o) {
        return o == null ? null : ((Number) o).longValue();
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    /** The staged row {@code row} of a split read from {@code origin}, refused with {@code e}. */
    static DeadLetter refused(
            Connection c,
            String staging,
            String origin,
            long row,
            List<String> keys,
            List<String> columns,
            SQLException e,
            Dialect dialect)
            throws SQLException {
        String key = keys.isEmpty() ? "NULL" : dialect.jsonObject("s", keys);
        try (PreparedStatement s = c.prepareStatement("SELECT " + key + ", " + dialect.jsonObject("s", columns)
                + " FROM " + dialect.quote(staging) + " s WHERE s._sluice_row = ?")) {
            s.setLong(1, row);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return new DeadLetter(
                        origin, row, null, r.getString(1), "refused by the database: " + message(e), r.getString(2));
            }
        }
    }

    /** The server's message without pgjdbc's "ERROR: " and its "Where:" lines, or MariaDB's "(conn=N) ". */
    private static String message(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        if (m.startsWith("ERROR: ")) m = m.substring("ERROR: ".length());
        m = m.replaceFirst("^\\(conn=\\d+\\) ", "");
        return m.replaceAll("\\s*\\n\\s*", "; ");
    }

    static void write(
            Connection c,
            Dialect dialect,
            String table,
            String pipeline,
            String target,
            String splitId,
            List<DeadLetter> all)
            throws SQLException {
        if (all.isEmpty()) return;
        try (PreparedStatement s =
                c.prepareStatement("INSERT INTO " + table + " (pipeline, target, split_id, file, line, "
                        + dialect.quote(BYTE) + ", " + dialect.quote("key")
                        + ", reason, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (DeadLetter d : all) {
                s.setString(1, pipeline);
                s.setString(2, target);
                s.setString(3, splitId);
                s.setString(4, d.file());
                if (d.line() == null) s.setNull(5, Types.BIGINT);
                else s.setLong(5, d.line());
                if (d.startByte() == null) s.setNull(6, Types.BIGINT);
                else s.setLong(6, d.startByte());
                s.setString(7, d.key());
                s.setString(8, d.reason());
                s.setString(9, d.record());
                s.addBatch();
            }
            s.executeBatch();
        }
    }
}
