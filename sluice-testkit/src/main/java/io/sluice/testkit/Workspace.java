package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A pipeline folder for tests: {@code in/} for inputs, {@code out/} for outputs, the pipeline file beside them.
 * Reads outputs the way a user's reader would (ignoring {@code _}- and {@code .}-prefixed folders), so a test can
 * compare the multiset of output rows with the input rows.
 */
public final class Workspace {
    private final Path dir;

    private Workspace(Path dir) {
        this.dir = dir;
    }

    public static Workspace in(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("in"));
        return new Workspace(dir);
    }

    public Path dir() {
        return dir;
    }

    public Path in() {
        return dir.resolve("in");
    }

    public Path out() {
        return dir.resolve("out");
    }

    /** Deletes {@code out/} and the pipelines' state ({@code .sluice/}): the next run starts as the first did. */
    public void forgetRuns() throws IOException {
        deleteTree(out());
        deleteTree(dir.resolve(".sluice"));
    }

    private static void deleteTree(Path folder) throws IOException {
        if (!Files.exists(folder)) return;
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Writes {@code pipeline.yaml} (or another name) and returns its path. */
    public Path pipeline(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    public Path pipeline(String yaml) throws IOException {
        return pipeline("pipeline.yaml", yaml);
    }

    /** Writes a file under {@code in/}, dated in the past so that it counts as settled at once. */
    public Path input(String relative, String content) throws IOException {
        return input(relative, content.getBytes(StandardCharsets.UTF_8));
    }

    public Path input(String relative, byte[] content) throws IOException {
        Path p = in().resolve(relative);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        return p;
    }

    /** The text, gzipped: for compressed inputs. */
    public static byte[] gzip(String text) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** Data files under {@code out/}, as a reader would see them. */
    public List<Path> outputFiles(String extension) throws IOException {
        if (!Files.exists(out())) return List.of();
        try (Stream<Path> walk = Files.walk(out())) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(extension))
                    .filter(p -> visible(out().relativize(p)))
                    .sorted()
                    .toList();
        }
    }

    /** Bad records written under {@code out/_dead_letter/}, one JSON object per line. */
    public List<String> deadLetters() throws IOException {
        Path dl = out().resolve("_dead_letter");
        if (!Files.exists(dl)) return List.of();
        List<String> lines = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dl)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) lines.addAll(Files.readAllLines(p));
        }
        return lines;
    }

    /**
     * The output rows of a query over every output file, each row as its columns joined by {@code |}, sorted:
     * a multiset to compare with what went in. {@code select} is a column list, e.g. {@code "id, region"}.
     */
    public List<String> outputRows(String select, String format) throws IOException, SQLException {
        List<Path> files = outputFiles(
                switch (format) {
                    case "parquet" -> ".parquet";
                    case "csv" -> ".csv";
                    default -> ".jsonl";
                });
        if (files.isEmpty()) return List.of();
        String list = files.stream()
                .map(p -> "'" + p.toString().replace("'", "''") + "'")
                .collect(Collectors.joining(", ", "[", "]"));
        String reader = switch (format) {
            case "parquet" -> "read_parquet(" + list + ", hive_partitioning = true, union_by_name = true)";
            case "csv" -> "read_csv(" + list + ", hive_partitioning = true, union_by_name = true)";
            default -> "read_json(" + list + ", format = 'newline_delimited', hive_partitioning = true)";
        };
        return query("SELECT " + select + " FROM " + reader);
    }

    /** Rows of any DuckDB query, as sorted {@code |}-joined strings. */
    public static List<String> query(String sql) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            int n = r.getMetaData().getColumnCount();
            while (r.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    if (i > 1) b.append('|');
                    b.append(r.getString(i));
                }
                rows.add(b.toString());
            }
        }
        rows.sort(null);
        return rows;
    }

    private static boolean visible(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.startsWith("_") || name.startsWith(".")) return false;
        }
        return true;
    }
}
