package io.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * B1 peer: the pipeline's SQL run directly on DuckDB (same JDBC driver as Sluice), CSV (or JSON lines) in,
 * Parquet zstd out. {@code input} is a view over read_csv (or read_json with DuckDB's defaults), so the SQL text
 * is byte for byte the one in the pipeline file.
 *
 * <p>Usage: {@code DuckDbB1 PIPELINE_YAML IN_DIR OUT_DIR [one|per-file]}: {@code one} is a single COPY over
 * all files writing one Parquet file per DuckDB thread (PER_THREAD_OUTPUT: the writers run in parallel, a
 * single output file serialises them), {@code per-file} one COPY per input file on the same connection.
 */
public final class DuckDbB1 {
    public static void main(String[] args) throws Exception {
        String sql = stepSql(Path.of(args[0]));
        List<Path> inputs;
        try (Stream<Path> s = Files.list(Path.of(args[1]))) {
            inputs = s.filter(p -> p.toString().endsWith(".csv") || p.toString().endsWith(".jsonl"))
                    .sorted()
                    .toList();
        }
        Path out = Path.of(args[2]);
        String mode = args.length > 3 ? args[3] : "one";
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        long rows = 0;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
             Statement st = c.createStatement()) {
            // Offline and predictable, as in Sluice: never try to download an extension.
            st.execute("SET autoinstall_known_extensions=false");
            st.execute("SET autoload_known_extensions=false");
            switch (mode) {
                case "one" -> rows = copy(st, sql, inputs, out, ", PER_THREAD_OUTPUT true");
                case "per-file" -> {
                    for (Path in : inputs) {
                        String name = in.getFileName().toString().replaceFirst("\\.(csv|jsonl)$", ".parquet");
                        rows += copy(st, sql, List.of(in), out.resolve(name), "");
                    }
                }
                default -> throw new IllegalArgumentException("mode must be one or per-file: " + mode);
            }
        }
        System.out.printf("duckdb mode=%s rows=%d seconds=%.3f%n", mode, rows, (System.nanoTime() - t0) / 1e9);
    }

    private static long copy(Statement st, String sql, List<Path> inputs, Path target, String options)
            throws SQLException {
        String files = inputs.stream().map(p -> quote(p.toString())).collect(Collectors.joining(", ", "[", "]"));
        String reader = inputs.getFirst().toString().endsWith(".jsonl") ? "read_json" : "read_csv";
        st.execute("CREATE OR REPLACE TEMP VIEW input AS SELECT * FROM " + reader + "(" + files + ")");
        return st.executeUpdate("COPY (" + sql + ") TO " + quote(target.toString())
                + " (FORMAT parquet, COMPRESSION zstd" + options + ")");
    }

    /** The block under the first {@code - sql: |} of a pipeline file: enough YAML for our own template. */
    static String stepSql(Path pipeline) throws IOException {
        List<String> lines = Files.readAllLines(pipeline);
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals("- sql: |")) {
                start = i + 1;
                break;
            }
        }
        if (start < 0) {
            throw new IllegalArgumentException("no '- sql: |' step in " + pipeline);
        }
        int indent = lines.get(start).length() - lines.get(start).stripLeading().length();
        StringBuilder sql = new StringBuilder();
        for (int i = start; i < lines.size() && lines.get(i).startsWith(" ".repeat(indent)); i++) {
            sql.append(lines.get(i).substring(indent)).append('\n');
        }
        return sql.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
