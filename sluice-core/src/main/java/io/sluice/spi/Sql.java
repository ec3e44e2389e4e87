package io.sluice.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Quoting helpers for the SQL Sluice writes. User SQL is never rewritten, only wrapped. */
public final class Sql {
    private Sql() {}

    public static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    public static String identifier(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    public static String pathList(List<Path> paths) {
        return paths.stream().map(p -> literal(p.toString())).collect(Collectors.joining(", ", "[", "]"));
    }
}
