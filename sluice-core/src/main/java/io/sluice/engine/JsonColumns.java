package io.sluice.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.Sql;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The columns of JSON lines, detected once from every record, and typed so that every number is held as written.
 *
 * <p>DuckDB reads an integer past 64 bits ({@code 123456789012345678901234567890}) as a DOUBLE: the output held
 * {@code 1.2345678901234568e+29}, silently. Its reader keeps such a number's digits when it is read into another type,
 * so a column DuckDB types DOUBLE is looked at once more, as text: when every value is an integer it is read as
 * HUGEINT (a BIGNUM past 38 digits), and when it mixes fractions with an integer no DOUBLE holds exactly, it is a
 * {@code JSON} column, as a column of values of different types is. A column of objects or arrays with DOUBLE numbers
 * in it is a {@code JSON} column when its text holds such an integer. Only columns of DOUBLE numbers cost that look.
 *
 * <p>The columns are then given to the reader, so that DuckDB does not detect them again from every record at each
 * bind of the query (the sink binds it more than once): that detection costs more than reading the records.
 *
 * <p>A byte range of a file, not at its top, takes its columns from its file's head ({@code heads}) and its own records
 * together, the head's first: it has the head's columns in their order, then the keys first seen in it, each typed as
 * a file holding the head's records and its own would be. Detected from its own records alone, a key absent from a
 * range was missing from its output, and a key of integers in one range and decimals in another was BIGINT in one
 * output and DOUBLE in the other. Only the range's records are read.
 *
 * <p>DuckDB's STRUCT cannot hold two fields alike but for their case ({@code s.amount} and {@code s.Amount}, in one
 * object or in two records, or in a range and its head): detecting the columns with bad lines ignored, it keeps the
 * first and reads the other's values as NULL, silently. The columns are detected with bad lines failing first, where
 * DuckDB names the first such field it meets; a file with a bad line fails that detection before DuckDB meets one. The
 * keys of the columns of objects, every one as written, are then looked at in the good records, and exactly the columns
 * holding such fields are {@code JSON}, their values kept; the others keep their types.
 *
 * @param files the files whose records are read
 * <p>A key whose type the user declared ({@code declared}) is a column of every read, read as text and cast ({@link
 * DeclaredJson}), whatever the records the columns are detected from hold.
 *
 * @param heads the head of the input a file is a byte range of ({@code LocalFiles.Part#head}), by file; a file not
 *     here takes its columns from its own records
 * @param declared the keys whose types the user declared
 */
record JsonColumns(List<Path> files, Map<Path, Path> heads, DeclaredJson declared) {
    /** How every JSON read here takes its files: one value per line, a bad line left to the rejects. */
    static final String OPTIONS = "format = 'newline_delimited', ignore_errors = true";

    /** An integer token of 16 digits or more in JSON text: past 2^53, where a DOUBLE stops holding every integer. */
    private static final String LONG_INTEGER = "(^|[\\[,:])\\s*-?[0-9]{16,}\\s*([\\],}]|$)";

    /** A name DuckDB gives a key alike but for its case to one before it: the other's name, {@code _}, a number. */
    private static final Pattern RENAMED = Pattern.compile("(.+)_[0-9]+");

    /** DuckDB's error for a field of an object alike but for its case to another: the second one's name. */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate name \"(.*)\" in struct auto-detected");

    /** Reads the structure DuckDB gives JSON values ({@code json_group_structure}). */
    private static final ObjectMapper STRUCTURE = new ObjectMapper();

    JsonColumns {
        files = List.copyOf(files);
        heads = Map.copyOf(heads);
    }

    JsonColumns(List<Path> files, Map<Path, Path> heads) {
        this(files, heads, DeclaredJson.NONE);
    }

    /**
     * The columns of a read: their names, the types the reader gives them, the casts of some afterwards, and the
     * declared keys' columns by key (read as {@link DeclaredJson#readType}, not yet cast).
     */
    record Typed(List<String> names, List<String> types, List<String> casts, Map<String, String> declared) {
        /** The records of {@code files} read so, declared columns still text. */
        String records(List<Path> files) {
            String records = "SELECT * FROM " + read(files, names, types, names);
            return casts.isEmpty()
                    ? records
                    : "SELECT * REPLACE (" + String.join(", ", casts) + ") FROM (" + records + ")";
        }
    }

    /** The read of every record of {@code files}, DuckDB detecting the columns and their types from all of them. */
    static String sampled(List<Path> files) {
        return "SELECT * FROM " + everyRecord(files, OPTIONS);
    }

    /** A read of {@code files} whose columns DuckDB detects from every record. */
    private static String everyRecord(List<Path> files, String options) {
        return "read_json(" + Sql.pathList(files) + ", " + options + ", sample_size = -1, maximum_sample_files = -1)";
    }

    /** The query of the records of {@code files}, every number of which holds the value written. */
    String relation(Statement s) throws SQLException {
        Typed typed = typed(s);
        return typed == null ? sampled(files) : typed.records(files);
    }

    /**
     * The columns of {@code files}' records, every number typed to hold the value written, each declared key one of
     * them; null when the records are read as DuckDB detects them (lines that are not objects, keys it renamed).
     */
    Typed typed(Statement s) throws SQLException {
        // the records the columns are detected from: the heads' first, so that their columns come first
        List<Path> detected = new ArrayList<>();
        for (Path f : files) {
            Path head = heads.get(f);
            if (head != null && !detected.contains(head)) detected.add(head);
        }
        detected.addAll(files);
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        String alike = null; // a field DuckDB's STRUCT lost to another alike but for its case
        Map<String, String> alikeColumns = null; // each column holding such fields, and one of them; null: not read
        // on a statement of its own: DuckDB's driver closes a statement whose query failed
        try (Statement strict = s.getConnection().createStatement()) {
            describe(strict, "SELECT * FROM " + everyRecord(detected, "format = 'newline_delimited'"), names, types);
        } catch (SQLException e) {
            // a line that is not JSON, or such a field: the columns are detected again, without the bad lines
            alike = alikeField(e);
            names.clear();
            types.clear();
            describe(s, sampled(detected), names, types);
            if (alike == null) {
                // a bad line failed the detection before DuckDB met such a field, if the file holds one
                alikeColumns = alikeColumns(s, detected, names, types);
                alike = alikeColumns.values().stream().findFirst().orElse(null);
            }
        }
        // one column "json": the lines are not objects (or none has a key), read as DuckDB reads them; so are keys it
        // renamed, unless the records' keys as written show the names are theirs ("price" beside "price_1")
        Keys keys = null;
        if ((names.isEmpty() || (names.size() == 1 && names.getFirst().equals("json")) || renamed(names))
                && !(keys = Keys.of(s, detected)).named(names)) {
            // declared types: a line that is not an object is a bad record of its line (Reader#json), and the columns
            // are the objects' own, detected from them alone
            if (!declared.types().isEmpty() && keys.notObject() != null) return objectsOnly(s, detected);
            // with a head, such columns may be the head's: the files are read as they are alone
            if (!heads.isEmpty()) return new JsonColumns(files, Map.of(), declared).typed(s);
            if (alike != null) throw lost(names, types, alike);
            // read as detected, declared types would be dropped silently
            if (!declared.types().isEmpty() && !keys.none()) throw untyped(keys);
            return null;
        }
        if (alike != null) {
            // DuckDB names only the first such field it meets: which columns hold one is read from their keys
            if (alikeColumns == null) alikeColumns = alikeColumns(s, detected, names, types);
            if (alikeColumns.isEmpty()) throw lost(names, types, alike);
            for (String column : alikeColumns.keySet()) types.set(names.indexOf(column), "JSON");
        }
        // a declared key is read as its declared type says, whether the records hold it or not
        Map<String, String> declaredColumns = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String key = declared.keyOf(names.get(i));
            if (key != null && !declaredColumns.containsKey(key)) {
                declaredColumns.put(key, names.get(i));
                types.set(i, declared.readType(key));
            }
        }
        for (String key : declared.types().keySet()) {
            if (declaredColumns.containsKey(key)) continue;
            declaredColumns.put(key, key);
            names.add(key);
            types.add(declared.readType(key));
        }

        List<Integer> doubles = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            if (types.get(i).contains("DOUBLE") && !declaredColumns.containsValue(names.get(i))) doubles.add(i);
        }
        List<String> read = new ArrayList<>(types); // the type each column is read as
        List<String> casts = new ArrayList<>(); // a column read as text, then cast
        if (!doubles.isEmpty()) {
            List<String> raw = new ArrayList<>(types);
            List<String> values = new ArrayList<>(); // each column's text, and what the facts ask of it more than once
            List<String> facts = new ArrayList<>();
            for (int i : doubles) {
                String c = Sql.identifier(names.get(i));
                String v = "v" + i;
                values.add(c + " AS " + v);
                if (types.get(i).equals("DOUBLE")) {
                    raw.set(i, "VARCHAR");
                    // a JSON number has at most one sign, and it is written without spaces
                    String integer = "i" + i;
                    String digits = "d" + i;
                    values.add("NOT (contains(" + c + ", '.') OR contains(" + c + ", 'e') OR contains(" + c
                            + ", 'E')) AS " + integer);
                    values.add("length(" + c + ") - starts_with(" + c + ", '-')::INTEGER AS " + digits);
                    facts.add("count(" + v + ") = count(" + v + ") FILTER (WHERE " + integer + ")");
                    facts.add("coalesce(bool_or(" + integer + " AND " + digits + " >= 16 AND (" + digits + " > 38 OR "
                            + "TRY_CAST(" + v + " AS HUGEINT) IS DISTINCT FROM TRY_CAST(TRY_CAST(" + v
                            + " AS DOUBLE) AS HUGEINT))), false)");
                    facts.add("coalesce(max(" + digits + ") FILTER (WHERE " + integer + "), 0)");
                } else {
                    raw.set(i, "JSON");
                    facts.add("coalesce(bool_or(regexp_matches(" + v + "::VARCHAR, " + Sql.literal(LONG_INTEGER)
                            + ")), false)");
                }
            }
            // each value's facts computed once, in a subquery: written inside the aggregates, DuckDB computed them
            // for each aggregate, which cost as much again as reading the column
            try (ResultSet r = s.executeQuery("SELECT " + String.join(", ", facts) + " FROM (SELECT "
                    + String.join(", ", values) + " FROM "
                    + read(
                            detected,
                            names,
                            raw,
                            doubles.stream().map(names::get).toList()) + ")")) {
                r.next();
                int f = 1;
                for (int i : doubles) {
                    if (types.get(i).equals("DOUBLE")) {
                        boolean integers = r.getBoolean(f++);
                        boolean inexact = r.getBoolean(f++);
                        long digits = r.getLong(f++);
                        if (integers && digits > 0) {
                            if (digits <= 38) {
                                read.set(i, "HUGEINT");
                            } else {
                                read.set(i, "VARCHAR");
                                String v = Sql.identifier(names.get(i));
                                casts.add(v + "::BIGNUM AS " + v);
                            }
                        } else if (inexact) {
                            read.set(i, "JSON");
                        }
                    } else if (r.getBoolean(f++)) {
                        read.set(i, "JSON");
                    }
                }
            }
        }
        return new Typed(List.copyOf(names), List.copyOf(read), List.copyOf(casts), declaredColumns);
    }

    /**
     * The columns of {@code detected}'s objects, as DuckDB detects them in a file of those alone, each declared key one
     * of them; only the declared keys' when there is no object. Its reader reads a line that is not an object (a
     * number, a list) as a record of NULLs given the columns, but detects the whole file as one {@code json} column
     * from it: the objects are copied, as written, to scratch files (one more read of a file holding such a line, none
     * of a file without), whose columns are then detected as a file's.
     */
    private Typed objectsOnly(Statement s, List<Path> detected) throws SQLException {
        List<Path> copies = new ArrayList<>();
        try {
            for (Path f : detected) {
                Path copy = java.nio.file.Files.createTempFile("sluice-objects-", ".jsonl");
                copies.add(copy);
                s.execute("COPY (SELECT json FROM read_json_objects(" + Sql.literal(f.toString()) + ", "
                        + OPTIONS + ") WHERE json_type(json) = 'OBJECT') TO " + Sql.literal(copy.toString())
                        + " (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER E'\\x1F')");
            }
            if (Keys.of(s, copies).keys().isEmpty()) return declaredOnly();
            return new JsonColumns(copies, Map.of(), declared).typed(s);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            for (Path copy : copies) copy.toFile().delete();
        }
    }

    /** The declared keys alone, as columns: a read whose lines hold no object. */
    private Typed declaredOnly() {
        Map<String, String> columns = new LinkedHashMap<>();
        List<String> types = new ArrayList<>();
        for (String key : declared.types().keySet()) {
            columns.put(key, key);
            types.add(declared.readType(key));
        }
        return new Typed(List.copyOf(columns.keySet()), List.copyOf(types), List.of(), columns);
    }

    /** Adds the columns (names, types) DuckDB describes {@code query} with. */
    private static void describe(Statement s, String query, List<String> names, List<String> types)
            throws SQLException {
        try (ResultSet r = s.executeQuery("DESCRIBE " + query)) {
            while (r.next()) {
                names.add(r.getString("column_name"));
                types.add(r.getString("column_type"));
            }
        }
    }

    /**
     * The field DuckDB names when its STRUCT cannot hold it beside another alike but for its case ({@code s.amount} and
     * {@code s.Amount}, in one object or two records), or null for another error. Detected with bad lines ignored, it
     * keeps the first and reads the other's values as NULL, silently; detected without, it fails naming the other.
     */
    private static String alikeField(SQLException e) {
        Matcher m = DUPLICATE.matcher(String.valueOf(e.getMessage()));
        if (!m.find()) return null;
        return unquoted(m.group(1));
    }

    /**
     * The columns of {@code files}' good records whose objects (at any depth, in lists too) hold keys alike but for
     * their case, in column order, each with one such key. The columns holding objects are read as JSON, bad lines left
     * out, and the structure DuckDB finds in their values (every key, as written) is looked at: one more read of those
     * columns, made only for a file with a bad line or one DuckDB found such a field in.
     */
    private static Map<String, String> alikeColumns(
            Statement s, List<Path> files, List<String> names, List<String> types) throws SQLException {
        List<String> objects = new ArrayList<>();
        List<String> objectTypes = new ArrayList<>();
        List<String> json = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            boolean object = types.get(i).contains("STRUCT(");
            if (object) {
                objects.add(names.get(i));
                objectTypes.add(types.get(i));
            }
            json.add(object ? "JSON" : types.get(i));
        }
        Map<String, String> alike = new LinkedHashMap<>();
        if (objects.isEmpty()) return alike;
        try (ResultSet r = s.executeQuery("SELECT "
                + String.join(
                        ", ",
                        objects.stream()
                                .map(c -> "json_group_structure(" + Sql.identifier(c) + ")::VARCHAR")
                                .toList())
                + " FROM " + read(files, names, json, objects))) {
            r.next();
            for (int i = 1; i <= objects.size(); i++) {
                String structure = r.getString(i); // null when the column holds no value
                // only a key a STRUCT of the column's type holds in another case is lost: a MAP's keys (DuckDB's type
                // for an object of many keys, each in few records: HTTP headers) or a JSON value's are kept whatever
                // their case, but the values of a MAP are one STRUCT, whatever key holds them
                String key = structure == null ? null : lostKey(objectTypes.get(i - 1), STRUCTURE.readTree(structure));
                if (key != null) alike.put(objects.get(i - 1), key);
            }
            return alike;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DuckDB's structure of JSON values is not JSON", e);
        }
    }

    /**
     * A key of {@code structure} (DuckDB's structure of a column's values: every key as written, at any depth) whose
     * values DuckDB reads as NULL, given the column's {@code type}: one a STRUCT of it holds only in another case. A
     * type not read here (none DuckDB's JSON reader gives) takes any key alike but for its case to another of its
     * object as one.
     */
    private static String lostKey(String type, JsonNode structure) {
        Type read;
        try {
            read = new TypeText(type).type();
        } catch (RuntimeException e) {
            return alikeKey(structure);
        }
        return lostKey(read, structure);
    }

    private static String lostKey(Type type, JsonNode structure) {
        List<Map.Entry<Type, JsonNode>> inside = new ArrayList<>();
        switch (type) {
            case Type.Fields struct
            when structure.isObject() -> {
                for (Map.Entry<String, JsonNode> property : structure.properties()) {
                    Type field = struct.fields().get(property.getKey());
                    if (field != null) {
                        inside.add(Map.entry(field, property.getValue()));
                    } else if (struct.fields().keySet().stream().anyMatch(property.getKey()::equalsIgnoreCase)) {
                        return property.getKey();
                    }
                }
            }
            // a MAP's values are one type, whatever key holds them
            case Type.MapOf map
            when structure.isObject() -> structure.forEach(v -> inside.add(Map.entry(map.values(), v)));
            case Type.ListOf list
            when structure.isArray() -> structure.forEach(e -> inside.add(Map.entry(list.elements(), e)));
            default -> {}
        }
        for (Map.Entry<Type, JsonNode> part : inside) {
            String key = lostKey(part.getKey(), part.getValue());
            if (key != null) return key;
        }
        return null;
    }

    /** A key of an object in {@code structure} (at any depth) alike but for its case to another key of it, or null. */
    private static String alikeKey(JsonNode structure) {
        Set<String> folded = new HashSet<>();
        for (Map.Entry<String, JsonNode> property : structure.properties()) {
            if (!folded.add(property.getKey().toLowerCase(Locale.ROOT))) return property.getKey();
        }
        for (JsonNode value : structure) {
            String key = alikeKey(value);
            if (key != null) return key;
        }
        return null;
    }

    /** The parts of a DuckDB type that hold the keys of JSON objects; any other type is {@link Type.Other}. */
    private sealed interface Type {
        /** A STRUCT, by field name. */
        record Fields(Map<String, Type> fields) implements Type {}

        record MapOf(Type values) implements Type {}

        record ListOf(Type elements) implements Type {}

        record Other() implements Type {}
    }

    /** A DuckDB type as {@code DESCRIBE} writes it ({@code STRUCT(a BIGINT, "b c" MAP(VARCHAR, BIGINT)[])}), read. */
    private static final class TypeText {
        private final String text;
        private int at;

        TypeText(String text) {
            this.text = text;
        }

        /** The whole text's type; throws when the text is not one. */
        Type type() {
            Type type = next();
            if (at != text.length()) throw new IllegalArgumentException("not a type: " + text);
            return type;
        }

        private Type next() {
            Type type;
            if (take("STRUCT(")) {
                Map<String, Type> fields = new LinkedHashMap<>();
                while (!take(")")) {
                    String name = name();
                    take(" ");
                    fields.putIfAbsent(name, next());
                    take(", ");
                }
                type = new Type.Fields(fields);
            } else if (take("MAP(")) {
                next(); // its keys
                take(", ");
                type = new Type.MapOf(next());
                if (!take(")")) throw new IllegalArgumentException("not a type: " + text);
            } else {
                // a type of no keys, maybe with parentheses of its own (DECIMAL(18,3)), to the end of its field
                int depth = 0;
                while (at < text.length()) {
                    char c = text.charAt(at);
                    if (depth == 0 && (c == ',' || c == ')' || c == '[')) break;
                    if (c == '(') depth++;
                    if (c == ')') depth--;
                    at++;
                }
                type = new Type.Other();
            }
            while (take("[]")) type = new Type.ListOf(type);
            return type;
        }

        /** A field's name, unquoted. */
        private String name() {
            int from = at;
            if (take("\"")) {
                while (true) {
                    if (take("\"\"")) continue; // a quote in the name, written twice
                    if (take("\"")) break;
                    at++;
                }
            } else {
                while (text.charAt(at) != ' ') at++;
            }
            return unquoted(text.substring(from, at));
        }

        private boolean take(String s) {
            if (!text.startsWith(s, at)) return false;
            at += s.length();
            return true;
        }
    }

    /** A name as DuckDB quotes it where it must ({@code "b c"}), unquoted. */
    private static String unquoted(String name) {
        return name.length() > 1 && name.startsWith("\"") && name.endsWith("\"")
                ? name.substring(1, name.length() - 1).replace("\"\"", "\"")
                : name;
    }

    /**
     * The field of {@code type} (at any depth: in a STRUCT, a list's elements, a MAP's values) alike to {@code name}
     * but for its case, the first as DuckDB writes the type, or null (also for a type not read here).
     */
    private static String fieldAlike(String type, String name) {
        try {
            return fieldAlike(new TypeText(type).type(), name);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String fieldAlike(Type type, String name) {
        return switch (type) {
            case Type.Fields struct -> {
                for (Map.Entry<String, Type> field : struct.fields().entrySet()) {
                    if (field.getKey().equalsIgnoreCase(name)) yield field.getKey();
                    String inside = fieldAlike(field.getValue(), name);
                    if (inside != null) yield inside;
                }
                yield null;
            }
            case Type.MapOf map -> fieldAlike(map.values(), name);
            case Type.ListOf list -> fieldAlike(list.elements(), name);
            case Type.Other other -> null;
        };
    }

    /**
     * A file whose object field alike but for its case to another cannot be read without losing its values: the split
     * is dead at once ({@link AttemptFailure} not retryable), each attempt would fail so.
     */
    private IllegalStateException lost(List<String> names, List<String> types, String alike) {
        String column = "an object column";
        String other = alike;
        for (int i = 0; i < names.size(); i++) {
            String field = fieldAlike(types.get(i), alike);
            if (field != null) {
                column = "column " + names.get(i);
                other = field;
                break;
            }
        }
        String message = "JSON lines " + files + ": " + column + " holds the fields \"" + other + "\" and \"" + alike
                + "\", alike but for their case, and keys alike but for their case beside it: DuckDB would keep one of"
                + " the fields and read the other's values as NULL. Rename one of the keys or one of the fields where"
                + " the file is written.";
        return new IllegalStateException(message, new AttemptFailure(message, false));
    }

    /**
     * The top-level keys of the good records of some files, as written, each with the first file holding it; and the
     * first file holding a record that is not an object (a list, a number), or null. One more read of the files, made
     * only when DuckDB's columns are not the keys' own ({@link #renamed}, or no object at all).
     */
    private record Keys(Map<String, Path> keys, Path notObject) {
        static Keys of(Statement s, List<Path> files) throws SQLException {
            Map<String, Path> byName = new LinkedHashMap<>();
            for (Path f : files) byName.put(f.toString(), f);
            Map<Path, List<String>> found = new LinkedHashMap<>();
            Path notObject = null;
            try (ResultSet r = s.executeQuery("SELECT DISTINCT filename, json_type(json) = 'OBJECT', unnest(CASE WHEN "
                    + "json_type(json) = 'OBJECT' THEN json_keys(json) ELSE [NULL] END) FROM read_json_objects("
                    + Sql.pathList(files) + ", format = 'newline_delimited', ignore_errors = true, filename = true) "
                    + "WHERE json IS NOT NULL")) {
                while (r.next()) {
                    Path file = byName.getOrDefault(r.getString(1), Path.of(r.getString(1)));
                    if (r.getBoolean(2))
                        found.computeIfAbsent(file, f -> new ArrayList<>()).add(r.getString(3));
                    else if (notObject == null || files.indexOf(file) < files.indexOf(notObject)) notObject = file;
                }
            }
            Map<String, Path> keys = new LinkedHashMap<>();
            for (Path f : files) for (String k : found.getOrDefault(f, List.of())) keys.putIfAbsent(k, f);
            return new Keys(keys, notObject);
        }

        /** Whether no record was read: empty or blank files, or only lines that are not JSON. */
        boolean none() {
            return keys.isEmpty() && notObject == null;
        }

        /** Two keys alike but for their case, the first met first; empty when there are none. */
        List<String> alike() {
            Map<String, String> folded = new HashMap<>();
            for (String k : keys.keySet()) {
                String other = folded.putIfAbsent(k.toLowerCase(Locale.ROOT), k);
                if (other != null) return List.of(other, k);
            }
            return List.of();
        }

        /** Whether {@code names} are keys as written, and every record an object whose keys DuckDB did not rename. */
        boolean named(List<String> names) {
            return notObject == null
                    && alike().isEmpty()
                    && !names.isEmpty()
                    && keys.keySet().containsAll(names);
        }
    }

    /**
     * Declared types that cannot be given to the records' keys: read as DuckDB detects them, the types would be dropped
     * silently. The split is dead at once ({@link AttemptFailure} not retryable), each attempt would fail so.
     */
    private IllegalStateException untyped(Keys keys) {
        List<String> alike = keys.alike();
        String why = alike.isEmpty()
                ? "a record of " + keys.notObject().getFileName() + " is not a JSON object (a list, a number, a "
                        + "string): it has no keys to type. Write one object a line"
                : "the keys \"" + alike.get(0) + "\" ("
                        + keys.keys().get(alike.get(0)).getFileName() + ") and \""
                        + alike.get(1) + "\" (" + keys.keys().get(alike.get(1)).getFileName() + ") are alike but for "
                        + "their case: DuckDB reads them as two columns, which source.files.types cannot type. Rename "
                        + "one of the keys where the file is written";
        String message = "JSON lines " + files + ": " + why + ", or remove source.files.types (the declared types "
                + declared.types().keySet() + " would be dropped).";
        return new IllegalStateException(message, new AttemptFailure(message, false));
    }

    /**
     * Whether DuckDB renamed a key alike but for its case to another's ({@code a} and {@code A}: {@code a, A_1}): given
     * the column {@code A_1}, its reader finds no such key and reads the value as NULL, silently. A key written so
     * ({@code a} and {@code a_1}) is taken for one too, until the records' keys as written are looked at ({@link
     * Keys#named}).
     */
    private static boolean renamed(List<String> names) {
        Set<String> folded = new HashSet<>();
        for (String n : names) {
            if (!folded.add(n.toLowerCase(Locale.ROOT))) return true;
        }
        return names.stream()
                .map(RENAMED::matcher)
                .anyMatch(m -> m.matches() && folded.contains(m.group(1).toLowerCase(Locale.ROOT)));
    }

    /** A read of {@code files} given the columns and their types, of which only {@code selected} are parsed. */
    private static String read(List<Path> files, List<String> names, List<String> types, List<String> selected) {
        List<String> columns = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (selected.contains(names.get(i)))
                columns.add(Sql.literal(names.get(i)) + ": " + Sql.literal(types.get(i)));
        }
        return "read_json(" + Sql.pathList(files) + ", " + OPTIONS + ", columns = {" + String.join(", ", columns)
                + "})";
    }
}
