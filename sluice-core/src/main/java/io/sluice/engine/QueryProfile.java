package io.sluice.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;

/** Reads DuckDB's JSON profile of a statement (the connection has {@code enable_profiling = 'no_output'}). */
final class QueryProfile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FILE_SCANS =
            Set.of("READ_CSV", "READ_CSV_AUTO", "READ_JSON", "READ_JSON_AUTO", "READ_NDJSON", "READ_NDJSON_AUTO");

    private QueryProfile() {}

    /**
     * The rows read by the statement's file scans, when it ran exactly {@code scans} of them and no operator stopped
     * a scan early (a LIMIT); otherwise -1. A scan counts its rows before any filter, bad records excluded.
     */
    static long rowsScanned(String profile, int scans) {
        try {
            long[] found = {0, 0};
            if (!walk(JSON.readTree(profile).path("operator"), found)) return -1;
            return found[0] == scans ? found[1] : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /**
     * The columns of {@code own} that the plan's scans of the input read ({@code EXPLAIN (FORMAT JSON)}'s answer): its
     * plan names no scan's files, so a scan reading a column the input does not have (a lookup file a step joins) is
     * taken for another file's and left out; empty when none is named or the plan cannot be read.
     *
     * @param own the input's columns, as {@code DESCRIBE} of its relation names them
     */
    static java.util.List<String> columnsScanned(String plan, java.util.List<String> own) {
        java.util.Map<String, String> byName = new java.util.HashMap<>();
        for (String column : own) byName.put(column.toLowerCase(java.util.Locale.ROOT), column);
        java.util.Set<String> columns = new java.util.LinkedHashSet<>();
        try {
            columns(JSON.readTree(plan), byName, columns);
        } catch (java.io.IOException e) {
            return java.util.List.of();
        }
        return java.util.List.copyOf(columns);
    }

    private static void columns(JsonNode nodes, java.util.Map<String, String> own, java.util.Set<String> columns) {
        for (JsonNode node : nodes) {
            JsonNode info = node.path("extra_info");
            if (FILE_SCANS.contains(info.path("Function").asText())) {
                JsonNode projected = info.path("Projections");
                java.util.List<String> read = new java.util.ArrayList<>();
                if (projected.isArray()) projected.forEach(p -> read.add(p.asText()));
                else if (projected.isTextual()) read.add(projected.asText());
                java.util.List<String> ours = read.stream()
                        .map(name -> own.get(name.toLowerCase(java.util.Locale.ROOT)))
                        .toList();
                if (!ours.contains(null)) columns.addAll(ours);
            }
            columns(node.path("children"), own, columns);
        }
    }

    /** Adds the file scans' count and rows to {@code found}; false when an operator may end a scan early. */
    private static boolean walk(JsonNode nodes, long[] found) {
        for (JsonNode node : nodes) {
            String type = node.path("type").asText();
            if (type.contains("LIMIT") || type.contains("SAMPLE")) return false;
            if (type.equals("TABLE_SCAN")
                    && FILE_SCANS.contains(
                            node.path("extra_info").path("Function").asText())) {
                if (!node.has("rows_scanned")) return false;
                found[0]++;
                found[1] += node.path("rows_scanned").asLong();
            }
            if (!walk(node.path("children"), found)) return false;
        }
        return true;
    }
}
