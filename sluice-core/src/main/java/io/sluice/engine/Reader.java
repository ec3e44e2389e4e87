package io.sluice.engine;

import io.sluice.pipeline.BadRecordPolicy;
import io.sluice.spi.Source;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The DuckDB table function that reads a split's files, and, unless bad records fail the split, the tables
 * that collect them ({@code rejects}, {@code scans}: DuckDB's reject-table shape, also for formats whose reader
 * has none).
 *
 * @param prepare statements to run before {@code relation} is read
 */
record Reader(String relation, List<String> prepare, boolean tracksRejects) {
    /** A separator that does not occur in text, so that a text line is one column. */
    private static final String LINE_ONLY = "columns = {'line': 'VARCHAR'}, header = false, delim = E'\\x1F', "
            + "quote = '', escape = '', auto_detect = false";

    static Reader of(Source.Input input, BadRecordPolicy policy, String rejects, String scans) {
        List<Path> files = input.parts().stream().map(Source.Part::file).toList();
        String list = Sql.pathList(files);
        // Bad records are collected under every policy, `fail` included: DuckDB's strict sniffer reads a CSV file
        // with one malformed row as a single column, silently. SplitProcessor fails the split when policy is FAIL.
        boolean track = true;
        String rejectOptions = track
                ? ", store_rejects = true, rejects_table = " + Sql.literal(rejects) + ", rejects_scan = " + Sql.literal(scans)
                : "";
        return switch (input.format()) {
            case "csv" -> new Reader("read_csv(" + list + ", header = " + input.header() + rejectOptions + ")", List.of(), track);
            case "text" -> new Reader("read_csv(" + list + ", " + LINE_ONLY + rejectOptions + ")", List.of(), track);
            case "parquet" -> new Reader("read_parquet(" + list + ", union_by_name = true)", List.of(), false);
            case "jsonl" -> track ? jsonWithRejects(files, list, rejects, scans)
                    : new Reader("read_json(" + list + ", format = 'newline_delimited')", List.of(), false);
            default -> throw new IllegalArgumentException("unknown format: " + input.format());
        };
    }

    /** DuckDB's JSON reader drops bad lines without a trace; find them first so none is lost silently. */
    private static Reader jsonWithRejects(List<Path> files, String list, String rejects, String scans) {
        List<String> prepare = new ArrayList<>();
        StringBuilder scanRows = new StringBuilder();
        StringBuilder badLines = new StringBuilder();
        for (int i = 0; i < files.size(); i++) {
            String file = Sql.literal(files.get(i).toString());
            if (i > 0) {
                scanRows.append(", ");
                badLines.append(" UNION ALL ");
            }
            scanRows.append("(0, ").append(i).append(", ").append(file).append(')');
            badLines.append("SELECT ").append(i).append(" AS file_id, row_number() OVER () AS line, line AS text FROM read_csv(")
                    .append(file).append(", ").append(LINE_ONLY).append(')');
        }
        prepare.add("CREATE TEMP TABLE " + scans + " AS SELECT * FROM (VALUES " + scanRows + ") AS t(scan_id, file_id, file_path)");
        prepare.add("CREATE TEMP TABLE " + rejects + " AS SELECT 0 AS scan_id, file_id, line, 'INVALID JSON' AS error_type, "
                + "'not a valid JSON value' AS error_message, text AS csv_line FROM (" + badLines + ") "
                + "WHERE trim(text) <> '' AND NOT json_valid(text)");
        return new Reader("read_json(" + list + ", format = 'newline_delimited', ignore_errors = true)", prepare, true);
    }
}
