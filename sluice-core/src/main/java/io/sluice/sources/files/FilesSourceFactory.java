package io.sluice.sources.files;

import io.sluice.config.DuckConnections;
import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.LineParse;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.source.Source;
import io.sluice.spi.source.SourceFactory;
import io.sluice.spi.storage.ObjectStores;
import io.sluice.spi.storage.StoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Declares the {@code files} source. */
public final class FilesSourceFactory implements SourceFactory<Options> {
    static final Field<Long> MAX_FILES =
            Field.optional("max_files", Type.POSITIVE_INT, 1000L, "Most files (with `tail`: log ranges) in one split.");
    static final Field<Long> MAX_BYTES = Field.optional("max_bytes", Type.SIZE, 64L << 20, "Most bytes in one split.");
    static final Type.Obj PACK = Type.Obj.of("Packing of small files into one split.", MAX_FILES, MAX_BYTES);

    static final Field<String> REGEX = Field.computed(
            "regex",
            Type.STRING,
            "none",
            "A regular expression (RE2 syntax, checked when the pipeline is loaded) matching a whole line, "
                    + "with a named group per column: `(?<name>...)` or `(?P<name>...)`. Other groups must not "
                    + "capture: `(?:...)`.");
    static final Field<String> DELIMITER = Field.computed(
            "delimiter",
            Type.STRING,
            "none",
            "Instead of `regex`: the separator between fields, taken "
                    + "literally (quote a space `' '` or a tab `\"\\t\"`).");
    static final Field<List<String>> COLUMNS = Field.optional(
            "columns", Type.oneOrMany(Type.STRING), List.of(), "With `delimiter`: the names of the fields, in order.");
    static final Field<java.util.Map<String, String>> TYPES = Field.optional(
            "types",
            Type.mapOf(Type.STRING),
            java.util.Map.of(),
            "Column types (DuckDB names: `bigint`, `double`, `decimal(18,4)`, `timestamp`, `date`, `boolean`, ...); "
                    + "other columns stay text. A value that does not convert makes the line a bad record. Inside "
                    + "`{ }` quote a type that holds a comma: `{ price: 'decimal(10,2)' }`.");
    static final Type.Obj PARSE = Type.Obj.of("How text lines become columns.", REGEX, DELIMITER, COLUMNS, TYPES);

    static final Field<String> PATH = Field.required(
            "path",
            Type.LOCATION,
            "The folder to read (it must exist), or an "
                    + "object store URL: `s3://bucket/prefix/` (module sluice-aws), or `gs://`, `az://` where their store is on "
                    + "the class path. A relative folder is relative to the pipeline file.");
    static final Field<String> START_AFTER = Field.computed(
            "start_after",
            Type.STRING,
            "none",
            "List only the keys "
                    + "after this one (in key order): for time-ordered keys (`2026/05/...`), what came before was read long ago "
                    + "and is not listed again.");
    static final Field<Boolean> DELETE =
            Field.optional("delete", Type.BOOL, Boolean.FALSE, "Delete each input (the version the split read).");
    static final Field<String> MOVE_TO = Field.computed(
            "move_to",
            Type.STRING,
            "none",
            "Instead of `delete`: copy "
                    + "each input under this folder or URL (same relative key), then delete it. A folder inside `path` must "
                    + "start with `_` or `.` (so it is not listed again).");
    static final Type.Obj AFTER = Type.Obj.of(
            "What to do with the inputs of a split once it is committed and recorded " + "done.", DELETE, MOVE_TO);
    static final Field<Options> AFTER_BLOCK = Field.computed(
            "after",
            AFTER,
            "the inputs stay",
            "`{ delete: true }` or "
                    + "`{ move_to: URL }`: done to a split's inputs only once its output is committed and the ledger recorded "
                    + "it. Files are then never cut into byte ranges (a file is deleted whole); not with `tail`.");
    static final Field<List<String>> INCLUDE = Field.optional(
            "include",
            Type.oneOrMany(Type.STRING),
            List.of("**"),
            "Glob(s) of files to read, relative to `path`: `*` stays in one folder, `**` crosses folders "
                    + "(`**/*.csv` also matches top-level files).");
    static final Field<List<String>> EXCLUDE =
            Field.optional("exclude", Type.oneOrMany(Type.STRING), List.of(), "Glob(s) of files to leave out.");
    static final Field<String> FORMAT = Field.computed(
            "format",
            Type.choice("csv", "jsonl", "parquet", "text"),
            "from the extension (.csv .tsv .jsonl .ndjson .json .parquet .txt .log)",
            "How to read the files. `.gz` and `.zst` files are decompressed transparently.");
    static final Field<Boolean> HEADER = Field.optional(
                    "header", Type.BOOL, Boolean.TRUE, "csv: the first line holds the column names.")
            .shapingOutput();
    static final Field<Boolean> DETECT_TYPES = Field.optional(
                    "detect_types",
                    Type.BOOL,
                    Boolean.TRUE,
                    "csv: detect each column's type from the files. With false, every column is read as text exactly as "
                            + "written (`01234`, `f`, `1e5` stay as they are; a CSV copied to CSV keeps its values); give "
                            + "types in a step (`CAST`, `TRY_CAST`), or declare some in `types`.")
            .shapingOutput();
    static final Field<java.util.Map<String, String>> CSV_TYPES = Field.optional(
                    "types",
                    Type.mapOf(Type.STRING),
                    java.util.Map.of(),
                    "csv and jsonl: the types of some columns (csv) or keys (jsonl), by name (DuckDB names: `bigint`, "
                            + "`double`, `decimal(18,4)`, `varchar`, `timestamp`, `date`, `boolean`, `json`, ...): "
                            + "`{ discount: double, zip: varchar }`. They hold in every file, byte range and tailed log; "
                            + "the other columns are detected (csv: text with `detect_types: false`). A jsonl key no "
                            + "record holds is a column of NULLs of its type. A value that does not convert is a bad "
                            + "record; one its type would round or cut (`1.5` as a `bigint`) is one too. Inside `{ }` "
                            + "quote a type that holds a comma: `{ price: 'decimal(10,2)' }`.")
            .shapingOutput();
    static final Field<String> ENCODING = Field.optional(
                    "encoding",
                    Type.choice(io.sluice.spi.source.LocalFiles.ENCODINGS.toArray(String[]::new)),
                    "utf-8",
                    "csv and text: the files' character encoding. `latin-1` (ISO-8859-1) reads files exported by older "
                            + "systems, whose accented letters are single bytes; read as UTF-8 their rows are bad records.")
            .shapingOutput();
    static final Field<Options> PARSE_BLOCK = Field.computed(
                    "parse",
                    PARSE,
                    "one column `line`",
                    "text: parse each line into columns with `regex` or `delimiter`. A line that does not match "
                            + "follows `run.on_bad_record`.")
            .shapingOutput();
    static final Field<Boolean> TAIL = Field.optional(
            "tail",
            Type.BOOL,
            Boolean.FALSE,
            "The files keep growing (logs): each scan reads the complete lines appended since the last one. "
                    + "Rotation (rename + new file), truncation and gzipped rotations are handled; see the files source page.");
    static final Field<List<String>> ROTATED = Field.optional(
            "rotated",
            Type.oneOrMany(Type.STRING),
            List.of(),
            "With `tail`: glob(s) of the files that are finished rotations, never a live log (`\"*.log.[0-9]*\"`). "
                    + "Such a file shorter than 256 bytes is read whole, once, known by its bytes and modification "
                    + "time, as a short gzipped rotation is; without it, a plain rotation that short is never read. "
                    + "Longer ones are read to their end, a last line without a newline included. It must settle "
                    + "first, and must not change afterwards. A glob naming a live log is refused: an uncompressed "
                    + "file it names must be a rotation of a live log listed beside it (`app.log.1`, "
                    + "`app-20261120.log` or `old/app.log` beside `app.log`), or carry a suffix after its extension "
                    + "(`app.log.1`); see the files source page.");
    static final Field<Duration> SETTLE = Field.optional(
            "settle",
            Type.DURATION,
            Duration.ofSeconds(2),
            "A file is only read once its size and modification time have not changed for this long, "
                    + "so files still being written are never claimed.");
    static final Field<String> MARKER = Field.computed(
            "marker",
            Type.STRING,
            "none",
            "Instead of `settle`: a file is ready when a file of the same name plus this suffix exists "
                    + "(`marker: .done` makes `a.csv` ready when `a.csv.done` exists). Marker files are not read.");
    static final Field<String> DEDUPE = Field.optional(
            "dedupe",
            Type.choice("none", "content"),
            "none",
            "`content`: also fingerprint each file by the sha256 of its bytes, and skip a file whose bytes "
                    + "were already seen under another name.");
    static final Field<String> ON_CHANGE = Field.optional(
            "on_change",
            Type.choice("reprocess", "ignore"),
            "reprocess",
            "A file processed before whose size or modification time changed: `reprocess` it as new work "
                    + "whose output replaces the earlier version's, or `ignore` the change.");
    static final Field<Long> SPLIT_SIZE = Field.optional(
            "split_size",
            Type.SIZE,
            128L << 20,
            "Uncompressed csv, jsonl and text files larger than this are cut into byte ranges at line "
                    + "boundaries, processed in parallel (every csv range gets the header). When a scan finds at "
                    + "least 2 x parallelism files, only files above 4 x split_size are cut.");
    static final Field<Options> PACK_BLOCK = Field.optional(
            "pack",
            PACK,
            null,
            "Small files are packed into one split, so per-file costs are paid once per pack. "
                    + "With `tail`, the new lines of many logs found by one scan are packed the same way.");
    /** A block beside {@code path} for each object store on the class path that takes settings, by block name. */
    static final Map<String, Field<Options>> STORE_BLOCKS = StoreSettings.fields();

    static final Type.Obj OPTIONS = declared();

    private static Type.Obj declared() {
        List<Field<?>> fields = new java.util.ArrayList<>(List.of(PATH));
        fields.addAll(STORE_BLOCKS.values());
        fields.addAll(List.of(
                START_AFTER,
                AFTER_BLOCK,
                INCLUDE,
                EXCLUDE,
                FORMAT,
                HEADER,
                DETECT_TYPES,
                CSV_TYPES,
                ENCODING,
                PARSE_BLOCK,
                TAIL,
                ROTATED,
                SETTLE,
                MARKER,
                DEDUPE,
                ON_CHANGE,
                SPLIT_SIZE,
                PACK_BLOCK));
        return Type.Obj.of("Files in a local folder or an object store.", fields.toArray(Field<?>[]::new));
    }

    /** A DuckDB type name as users write it: {@code bigint}, {@code decimal(18,4)}, {@code timestamp with time zone}. */
    private static final java.util.regex.Pattern TYPE_NAME = java.util.regex.Pattern.compile(
            "[A-Za-z][A-Za-z0-9_]*( [A-Za-z][A-Za-z0-9_]*)*(\\( *\\d+ *(, *\\d+ *)?\\))?(\\[\\])*");

    private static LineParse parse(Options p) {
        java.util.Map<String, String> types = new java.util.LinkedHashMap<>(p.get(TYPES));
        LineParse parse;
        try {
            if (p.has(REGEX) == p.has(DELIMITER)) {
                throw p.problem(REGEX, "give either regex or delimiter");
            }
            if (p.has(REGEX)) {
                parse = LineParse.ofRegex(p.get(REGEX), types);
            } else {
                if (p.get(DELIMITER).isEmpty()) throw p.problem(DELIMITER, "must not be empty");
                parse = LineParse.ofDelimiter(p.get(DELIMITER), p.get(COLUMNS), types);
            }
        } catch (IllegalArgumentException e) {
            throw p.problem(p.has(REGEX) ? REGEX : COLUMNS, e.getMessage());
        }
        if (new java.util.HashSet<>(parse.columns()).size() < parse.columns().size()) {
            throw p.problem(p.has(REGEX) ? REGEX : COLUMNS, "a column name repeats: " + parse.columns());
        }
        for (String column : types.keySet()) {
            if (!parse.columns().contains(column)) {
                throw p.problem(TYPES, "'" + column + "' is not a column of the parse: " + parse.columns());
            }
        }
        checkWithEngine(p, parse);
        return parse;
    }

    /**
     * The regex and the types are checked by the engine that will use them (DuckDB's RE2 differs from Java's
     * regular expressions: no lookaround, no backreferences), so a mistake is a validation error, not a dead split.
     */
    private static void checkWithEngine(Options p, LineParse parse) {
        checkTypes(p, TYPES, parse.types());
        if (parse.regex() == null) return;
        try (java.sql.Connection c = DuckConnections.open();
                java.sql.Statement s = c.createStatement()) {
            try {
                s.execute("SELECT regexp_full_match('', " + io.sluice.spi.Sql.literal(parse.regex()) + ")");
            } catch (java.sql.SQLException e) {
                throw p.problem(REGEX, "not a valid regular expression (RE2 syntax): " + engineMessage(e));
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "cannot start the engine to check source.files.parse: " + e.getMessage(), e);
        }
    }

    /** Some valid type names, for a message about one that is not. */
    private static final String SOME_TYPES = "e.g. bigint, double, decimal(18,4), varchar, timestamp, date, boolean";

    /** Each of {@code types} (option {@code field}) is a DuckDB type name, checked by the engine that will cast to it. */
    private static void checkTypes(Options p, Field<?> field, Map<String, String> types) {
        for (var t : types.entrySet()) {
            // DuckDB rounds a nested value's numbers ("[1.5, 2]" as bigint[] is [2, 2], {"a": 1.5} as struct(a bigint)
            // is {'a': 2}) and reads a value the type refuses as NULL, silently; text and json keep them
            if (NESTED.matcher(t.getValue().strip()).matches())
                throw p.problem(
                        field,
                        t.getKey() + ": '" + t.getValue() + "' is a nested type, whose values are not checked against"
                                + " it (DuckDB would round their numbers and read the values it refuses as NULL):"
                                + " declare json (jsonl) or varchar (csv, text lines), and unnest or cast its parts in"
                                + " a step");
            if (!TYPE_NAME.matcher(t.getValue().strip()).matches()) {
                throw p.problem(
                        field,
                        t.getKey() + ": '" + t.getValue() + "' is not a type name (" + SOME_TYPES + ")"
                                + (t.getValue().contains("(") && !t.getValue().contains(")")
                                        ? "; inside { } quote a type that holds a comma: '" + t.getValue() + ",...)'"
                                        : ""));
            }
        }
        if (types.isEmpty()) return;
        try (java.sql.Connection c = DuckConnections.open();
                java.sql.Statement s = c.createStatement()) {
            for (var t : types.entrySet()) {
                try {
                    s.execute("SELECT CAST(NULL AS " + t.getValue() + ")");
                } catch (java.sql.SQLException e) {
                    throw p.problem(
                            field,
                            t.getKey() + ": '" + t.getValue() + "' is not a type: " + engineMessage(e) + " ("
                                    + SOME_TYPES + ")");
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(
                    "cannot start the engine to check source.files." + field.name() + ": " + e.getMessage(), e);
        }
    }

    /** The columns' declared types ({@code types}): csv and jsonl only, each a type the engine knows. */
    private static Map<String, String> csvTypes(Options o) {
        Map<String, String> types = o.get(CSV_TYPES);
        if (types.isEmpty()) return types;
        Optional<String> format = o.find(FORMAT).filter(f -> !f.equals("csv") && !f.equals("jsonl"));
        if (format.isPresent()) {
            throw o.problem(
                    CSV_TYPES,
                    "types is for csv and jsonl files, and format is " + format.get() + "; "
                            + (format.get().equals("text")
                                    ? "a text line's columns take their types from parse.types"
                                    : "its columns' types come from the files: give other types in a step (CAST)")
                            + ": remove types");
        }
        if (o.has(PARSE_BLOCK))
            throw o.problem(CSV_TYPES, "types is for csv and jsonl files; parse is for text: remove one");
        // DuckDB's reader matches a declared name to a column regardless of case: two such keys name one column
        Map<String, String> byLowerCase = new java.util.HashMap<>();
        for (String name : types.keySet()) {
            String other = byLowerCase.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), name);
            if (other != null) {
                throw o.problem(
                        CSV_TYPES,
                        "types declares '" + other + "' and '" + name + "', alike but for their case: column names"
                                + " are matched regardless of case, so both name one column; keep one");
            }
        }
        checkTypes(o, CSV_TYPES, types);
        return types;
    }

    /** A type holding other values: a STRUCT, MAP, UNION or list. */
    private static final java.util.regex.Pattern NESTED =
            java.util.regex.Pattern.compile("(?is)(struct|map|union)\\s*\\(.*|.*\\]");

    private static String engineMessage(java.sql.SQLException e) {
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return m.replaceFirst("^[A-Za-z ]*Error: ", "");
    }

    @Override
    public String kind() {
        return "files";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Reads the files under a local folder or an object-store prefix (files and folders whose name starts with `.` or `_` are never "
                + "read: writers' temporary files, Sluice's own `_sluice/`; nor is the folder the pipeline's own files "
                + "sink writes in, when it lies inside this one). Each file is identified by its path (an object by its key) and "
                + "fingerprinted by size and version: modification time, or the object's ETag or generation (plus sha256 "
                + "with `dedupe: content`); a file is claimed only once it "
                + "is settled or has its marker. Large line-format files are cut into byte ranges, small files are "
                + "packed together. The ledger records every split's members, so a replay reads exactly the same bytes.";
    }

    @Override
    public Source create(Options o, PipelineContext context) {
        Storage storage = storage(o);
        if (o.get(TAIL) && !storage.local()) {
            throw o.problem(
                    TAIL,
                    "tail reads growing files on local disk only: an object in a store is never "
                            + "appended to, only replaced whole (a new version, which on_change: reprocess reads again)");
        }
        if (!o.get(ROTATED).isEmpty() && !o.get(TAIL)) {
            throw o.problem(
                    ROTATED, "rotated names the finished rotations of tailed logs: set tail: true, or remove rotated");
        }
        After after = null;
        if (o.has(AFTER_BLOCK)) {
            Options a = o.get(AFTER_BLOCK);
            if (a.get(DELETE) == a.has(MOVE_TO)) {
                throw a.problem(a.has(MOVE_TO) ? MOVE_TO : DELETE, "give either delete: true or move_to");
            }
            if (o.get(TAIL)) throw o.problem(AFTER_BLOCK, "a tailed log keeps growing: it is never deleted or moved");
            after = a.get(DELETE) ? new After.Delete() : new After.MoveTo(moveTarget(o, a, storage, context));
        }
        if (!o.get(ENCODING).equals("utf-8")
                && o.find(FORMAT)
                        .filter(f -> !f.equals("csv") && !f.equals("text"))
                        .isPresent()) {
            throw o.problem(
                    ENCODING,
                    "encoding is for csv and text files, and format is " + o.get(FORMAT)
                            + "; JSON lines and Parquet are UTF-8: remove encoding");
        }
        if (!o.get(DETECT_TYPES) && o.find(FORMAT).filter(f -> !f.equals("csv")).isPresent()) {
            throw o.problem(
                    DETECT_TYPES,
                    "detect_types is for csv files, and format is " + o.get(FORMAT) + "; remove detect_types");
        }
        Options pack = o.get(PACK_BLOCK);
        boolean whole = context.wholeFiles();
        if (whole && o.get(TAIL)) {
            throw o.problem(TAIL, "an exec step reads each file whole, once: a growing log cannot be tailed for it");
        }
        FilesSource.Settings settings = new FilesSource.Settings(
                storage,
                new Globs(o.get(INCLUDE), o.get(EXCLUDE)),
                // read whole, as bytes: any name, never cut; one file a split unless `pack` is given
                whole ? Optional.of(Formats.WHOLE) : o.find(FORMAT),
                o.get(HEADER),
                o.get(DETECT_TYPES),
                csvTypes(o),
                o.get(ENCODING),
                o.has(PARSE_BLOCK) ? parse(o.get(PARSE_BLOCK)) : null,
                o.get(TAIL),
                new Rotated(o.get(ROTATED), message -> o.problem(ROTATED, message)),
                o.get(SETTLE),
                o.find(MARKER),
                o.get(DEDUPE).equals("content"),
                o.get(ON_CHANGE).equals("reprocess"),
                o.get(SPLIT_SIZE),
                whole && !o.locations().containsKey(PACK_BLOCK.name()) ? 1 : Math.toIntExact(pack.get(MAX_FILES)),
                pack.get(MAX_BYTES),
                o.find(START_AFTER),
                after,
                sinkPrefix(o, storage, context));
        return new FilesSource(settings, context.clock(), context.parallelism());
    }

    /** The store of {@code path}; a local folder must exist. */
    private static Storage storage(Options o) {
        String location = o.get(PATH);
        try {
            if (ObjectStores.isUrl(location))
                return new Storage(
                        ObjectStores.open(location, StoreSettings.given(o, STORE_BLOCKS)),
                        null,
                        message -> o.problem(PATH, message));
            Path root = Path.of(location);
            if (!Files.isDirectory(root)) {
                throw o.problem(
                        PATH,
                        Files.exists(root)
                                ? root + " is not a folder"
                                : "the folder " + root + " does not exist; create it or fix the path");
            }
            return new Storage(ObjectStores.open(root.toString(), Map.of()), root);
        } catch (IOException e) {
            throw o.problem(PATH, e.getMessage());
        }
    }

    /**
     * The key prefix of the sink's folder when it lies inside the source's, to leave out of every listing. The same
     * folder as the source's cannot be left out (it holds the input): refused, saying where to write instead.
     */
    private static Optional<String> sinkPrefix(Options o, Storage storage, PipelineContext context) {
        if (context.sinkFolder() == null) return Optional.empty();
        Optional<String> prefix = storage.prefixOf(context.sinkFolder());
        if (prefix.isPresent() && prefix.get().isEmpty()) {
            throw o.problem(
                    PATH,
                    storage.root() + " is also the folder the sink writes in: each run would read the output "
                            + "of the runs before as new input; write the output to a subfolder (e.g. "
                            + storage.describe("out") + ", which the source then leaves out) or to another folder");
        }
        return prefix;
    }

    /** The store {@code after.move_to} names; a folder inside the source's own must be one that is never listed. */
    private static io.sluice.spi.storage.ObjectStore moveTarget(
            Options o, Options a, Storage source, PipelineContext context) {
        String to = a.get(MOVE_TO);
        if (!ObjectStores.isUrl(to) && source.local()) {
            Path target = context.baseDir().resolve(to).normalize();
            Path root = source.file("");
            if (target.startsWith(root)) {
                String first = root.relativize(target).getName(0).toString();
                if (!first.startsWith("_") && !first.startsWith(".")) {
                    throw a.problem(
                            MOVE_TO,
                            target + " is inside the source folder " + root + ", so moved files "
                                    + "would be listed and read again; move them outside it, or into a folder whose name "
                                    + "starts with _ (e.g. " + root.resolve("_done") + ")");
                }
            }
            try {
                Files.createDirectories(target);
            } catch (IOException e) {
                throw a.problem(MOVE_TO, "cannot create " + target + ": " + e.getMessage());
            }
            to = target.toString();
        }
        io.sluice.spi.storage.ObjectStore target;
        try {
            target = ObjectStores.open(to, StoreSettings.given(o, STORE_BLOCKS));
        } catch (IOException e) {
            throw a.problem(MOVE_TO, e.getMessage());
        }
        if (ObjectStores.isUrl(to)) {
            // a prefix inside the source's on the same store (both places as the stores give them, endpoint
            // included): as on local disk
            Optional<String> inside = source.local() ? Optional.empty() : source.prefixOf(target.place());
            String first =
                    inside.map(p -> p.substring(0, Math.max(p.indexOf('/'), 0))).orElse("_");
            if (!first.startsWith("_") && !first.startsWith(".")) {
                try {
                    target.close();
                } catch (IOException ignored) {
                    // nothing was done with it
                }
                throw a.problem(
                        MOVE_TO,
                        to
                                + (first.isEmpty()
                                        ? " is the source's own path"
                                        : " is inside the source's path " + source.root())
                                + ", so moved objects would be listed and read again; move them outside it, or under "
                                + "a prefix whose name starts with _ (e.g. " + source.describe("_done/") + ")");
            }
        }
        return target;
    }
}
