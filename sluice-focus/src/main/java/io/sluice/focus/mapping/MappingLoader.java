package io.sluice.focus.mapping;

import io.sluice.config.ConfigException;
import io.sluice.config.ConfigNode;
import io.sluice.config.ConfigProblem;
import io.sluice.config.Location;
import io.sluice.config.YamlReader;
import io.sluice.focus.Csv;
import io.sluice.focus.spec.FocusColumn;
import io.sluice.focus.spec.FocusSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads mapping files: the built-in ones ({@code mappings/<provider>-<version>.yaml} on the class path) and a
 * user's, which may be a full copy or start with {@code extends: <provider>} and change only some entries.
 * Every problem names the file and line.
 */
public final class MappingLoader {
    /** The providers with a built-in mapping. */
    public static final List<String> PROVIDERS = List.of("aws-cur", "aws-cur2", "azure", "gcp", "oci");

    private static final Set<String> TOP = Set.of(
            "provider",
            "focus_version",
            "title",
            "extends",
            "detect",
            "applicability",
            "source",
            "renames",
            "lookups",
            "let",
            "drop",
            "extra_rows",
            "columns",
            "extras");
    private static final Pattern LET_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private MappingLoader() {}

    public static Mapping builtin(String provider, String version) {
        if (!PROVIDERS.contains(provider)) {
            throw new IllegalArgumentException(
                    "no built-in mapping for provider '" + provider + "'; known: " + PROVIDERS);
        }
        String name = provider + "-" + version + ".yaml";
        return load("mappings/" + name, resourceText("mappings/" + name), null, version);
    }

    /** A user's mapping file; lookup files are looked for beside it, then among the built-in ones. */
    public static Mapping file(Path file, String version) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(new ConfigProblem(
                    Location.unknown(file.toString()), "", "cannot read the mapping file: " + e.getMessage()));
        }
        return load(file.toString(), text, file.toAbsolutePath().getParent(), version);
    }

    private static Mapping load(String name, String text, Path dir, String version) {
        ConfigNode root = YamlReader.parse(name, text);
        Reader r = new Reader(name);
        ConfigNode.Mapping top = r.map(root, "");
        for (var e : top.entries().entrySet()) {
            if (!TOP.contains(e.getKey()))
                r.fail(e.getValue().keyLocation(), e.getKey(), "unknown entry; allowed: " + TOP);
        }
        Mapping base = null;
        if (top.entries().containsKey("extends")) {
            base = builtin(r.string(top, "extends"), version);
        }
        FocusSpec spec = FocusSpec.of(version);
        String fileVersion = r.optString(top, "focus_version", base == null ? null : base.focusVersion());
        if (fileVersion == null || !fileVersion.equals(version)) {
            r.fail(
                    root.location(),
                    "focus_version",
                    "the mapping is for FOCUS " + fileVersion + ", the step converts to " + version);
        }
        Map<String, Lookup> lookups = new LinkedHashMap<>(base == null ? Map.of() : base.lookups());
        r.each(top, "lookups", (key, node) -> lookups.put(key, lookup(r, key, node, dir)));
        Map<String, SourceType> required = new LinkedHashMap<>(base == null ? Map.of() : base.required());
        Map<String, SourceType> optional = new LinkedHashMap<>(base == null ? Map.of() : base.optional());
        Map<String, Mapping.Renamed> renamed = new LinkedHashMap<>(base == null ? Map.of() : base.renamed());
        if (top.entries().containsKey("renames")) {
            if (base == null)
                r.fail(top.location(), "renames", "renames map the columns of the mapping named by `extends`");
            // the base's source columns are now made from this export's columns, not read
            Map<String, SourceType> baseColumns = new LinkedHashMap<>(required);
            baseColumns.putAll(optional);
            required.clear();
            optional.clear();
            Map<String, Rule> from = new LinkedHashMap<>();
            r.each(top, "renames", (k, n) -> {
                if (!baseColumns.containsKey(k))
                    r.fail(n.location(), "renames." + k, "not a source column of " + r.string(top, "extends"));
                from.put(k, r.rule(n, "renames." + k));
            });
            baseColumns.forEach((c, t) -> renamed.put(c, new Mapping.Renamed(t, from.get(c))));
        }
        if (top.entries().containsKey("source")) {
            ConfigNode.Mapping source = r.map(top.entries().get("source").value(), "source");
            r.each(source, "required", (k, n) -> required.put(k, r.type(n, "source.required." + k)));
            r.each(source, "optional", (k, n) -> optional.put(k, r.type(n, "source.optional." + k)));
        }
        List<Let> lets = new ArrayList<>(base == null ? List.of() : base.lets());
        r.each(top, "let", (k, n) -> {
            if (!LET_NAME.matcher(k).matches()) r.fail(n.location(), "let." + k, "names are lower_snake_case");

            Let let = let(r, k, n, lookups);
            int at = indexOf(lets, k);
            if (at >= 0) lets.set(at, let);
            else lets.add(let);
        });
        for (Let let : lets) {
            // SQL names ignore case: a let named like a source column would hide it
            String k = let.name();
            if (required.keySet().stream().anyMatch(k::equalsIgnoreCase)
                    || optional.keySet().stream().anyMatch(k::equalsIgnoreCase)
                    || renamed.keySet().stream().anyMatch(k::equalsIgnoreCase)) {
                r.fail(top.location(), "let." + k, "a source column has this name (ignoring case); choose another");
            }
        }
        List<Drop> drops = base == null ? new ArrayList<>() : new ArrayList<>(base.drops());
        if (top.entries().containsKey("drop")) {
            drops.clear();
            for (ConfigNode d : r.list(top.entries().get("drop").value(), "drop")) {
                ConfigNode.Mapping m = r.map(d, "drop[]");
                drops.add(new Drop(r.string(m, "when"), r.optString(m, "why", "")));
            }
        }
        Map<String, Rule> columns = new LinkedHashMap<>(base == null ? Map.of() : base.columns());
        r.each(top, "columns", (k, n) -> {
            if (spec.column(k).isEmpty() && !FocusSpec.FORWARD_COLUMNS.contains(k)) {
                r.fail(
                        n.location(),
                        "columns." + k,
                        "not a FOCUS " + version + " column (extra columns go under `extras`, named x_...)");
            }
            columns.put(k, r.rule(n, "columns." + k));
        });
        Map<String, Rule> extras = new LinkedHashMap<>(base == null ? Map.of() : base.extras());
        r.each(top, "extras", (k, n) -> {
            if (!k.startsWith("x_")) r.fail(n.location(), "extras." + k, "extra columns must be named x_...");
            extras.put(k, r.rule(n, "extras." + k));
        });
        Map<String, ExtraRow> extraRows = new LinkedHashMap<>();
        if (base != null) base.extraRows().forEach(x -> extraRows.put(x.kind(), x));
        r.each(top, "extra_rows", (k, n) -> {
            ConfigNode.Mapping m = r.map(n, "extra_rows." + k);
            Map<String, Rule> overrides = new LinkedHashMap<>();
            r.each(m, "columns", (c, cn) -> {
                if (!columns.containsKey(c) && !extras.containsKey(c)) {
                    r.fail(cn.location(), "extra_rows." + k + ".columns." + c, "not a column of this mapping");
                }
                overrides.put(c, r.rule(cn, "extra_rows." + k + ".columns." + c));
            });
            extraRows.put(k, new ExtraRow(k, r.string(m, "when"), r.optString(m, "why", ""), overrides));
        });
        for (FocusColumn c : spec.columns()) {
            if (c.level() == FocusColumn.FeatureLevel.MANDATORY && !columns.containsKey(c.id())) {
                r.fail(root.location(), "columns", "the mandatory FOCUS column " + c.id() + " has no rule");
            }
        }
        List<String> applicability = base == null ? List.of() : base.applicability();
        if (top.entries().containsKey("applicability")) {
            applicability = r.list(top.entries().get("applicability").value(), "applicability").stream()
                    .map(n -> r.scalar(n, "applicability[]"))
                    .toList();
        }
        r.throwIfAny();
        return new Mapping(
                r.optString(top, "provider", base == null ? "custom" : base.provider()),
                version,
                r.optString(top, "title", base == null ? name : base.title()),
                r.optString(top, "detect", base == null ? "false" : base.detect()),
                applicability,
                required,
                optional,
                renamed,
                lookups,
                lets,
                drops,
                List.copyOf(extraRows.values()),
                ordered(spec, columns),
                extras,
                base == null ? name : base.origin() + " + " + name);
    }

    /** FOCUS columns in the specification's order, the 1.3 columns after them. */
    private static Map<String, Rule> ordered(FocusSpec spec, Map<String, Rule> columns) {
        Map<String, Rule> out = new LinkedHashMap<>();
        for (FocusColumn c : spec.columns()) if (columns.containsKey(c.id())) out.put(c.id(), columns.get(c.id()));
        for (String c : FocusSpec.FORWARD_COLUMNS) if (columns.containsKey(c)) out.put(c, columns.get(c));
        return out;
    }

    private static int indexOf(List<Let> lets, String name) {
        for (int i = 0; i < lets.size(); i++) if (lets.get(i).name().equals(name)) return i;
        return -1;
    }

    private static Let let(Reader r, String name, ConfigNode n, Map<String, Lookup> lookups) {
        if (n instanceof ConfigNode.Scalar) return new Let.Expr(name, r.scalar(n, "let." + name), "");
        ConfigNode.Mapping m = r.map(n, "let." + name);
        String why = r.optString(m, "why", "");
        if (m.entries().containsKey("sql")) return new Let.Expr(name, r.string(m, "sql"), why);
        if (m.entries().containsKey("columns_with_prefix")) {
            return new Let.PrefixedColumns(name, r.string(m, "columns_with_prefix"), why);
        }
        if (m.entries().containsKey("lookup")) {
            String lookup = r.string(m, "lookup");
            if (!lookups.containsKey(lookup))
                r.fail(n.location(), "let." + name + ".lookup", "no lookup named '" + lookup + "'");
            ConfigNode keyNode = m.entries().get("key") == null
                    ? null
                    : m.entries().get("key").value();
            List<String> key = keyNode == null
                    ? List.of()
                    : keyNode instanceof ConfigNode.Sequence s
                            ? s.items().stream()
                                    .map(i -> r.scalar(i, "let." + name + ".key[]"))
                                    .toList()
                            : List.of(r.scalar(keyNode, "let." + name + ".key"));
            Lookup l = lookups.get(lookup);
            if (l != null && key.size() != l.key().size()) {
                r.fail(
                        n.location(),
                        "let." + name + ".key",
                        "the lookup '" + lookup + "' has " + l.key().size() + " key column(s)");
            }
            return new Let.FromLookup(name, lookup, key, why);
        }
        r.fail(
                n.location(),
                "let." + name,
                "write an expression, or a block with `sql`, `columns_with_prefix` or `lookup`");
        return new Let.Expr(name, "NULL", why);
    }

    private static Lookup lookup(Reader r, String name, ConfigNode n, Path dir) {
        ConfigNode.Mapping m = r.map(n, "lookups." + name);
        String file = r.string(m, "file");
        ConfigNode keyNode =
                m.entries().get("key") == null ? null : m.entries().get("key").value();
        List<String> key = keyNode instanceof ConfigNode.Sequence s
                ? s.items().stream()
                        .map(i -> r.scalar(i, "lookups." + name + ".key[]"))
                        .toList()
                : keyNode == null ? List.of() : List.of(r.scalar(keyNode, "lookups." + name + ".key"));
        boolean ignoreCase = Boolean.parseBoolean(r.optString(m, "ignore_case", "false"));
        String where;
        String text;
        Path beside = dir == null ? null : dir.resolve(file);
        try {
            if (beside != null && Files.exists(beside)) {
                where = beside.toString();
                text = Files.readString(beside);
            } else {
                where = "lookups/" + file;
                text = resourceText("lookups/" + file);
            }
        } catch (IOException | IllegalStateException e) {
            r.fail(n.location(), "lookups." + name + ".file", "cannot read " + file + ": " + e.getMessage());
            return new Lookup(name, file, key, ignoreCase, key, List.of());
        }
        List<List<String>> rows;
        try {
            rows = Csv.read(new BufferedReader(new StringReader(text)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> header = rows.get(0);
        for (String k : key) {
            if (!header.contains(k)) r.fail(n.location(), "lookups." + name + ".key", file + " has no column " + k);
        }
        List<List<String>> body = rows.subList(1, rows.size());
        Set<List<String>> seen = new HashSet<>();
        Function<List<String>, List<String>> keyOf = row -> key.stream()
                .map(k -> {
                    String v = row.get(header.indexOf(k));
                    return ignoreCase ? v.toLowerCase(Locale.ROOT) : v;
                })
                .toList();
        for (List<String> row : body) {
            if (row.size() != header.size()) {
                r.fail(
                        n.location(),
                        "lookups." + name,
                        file + ": a record has " + row.size() + " fields, the header " + header.size());
            } else if (header.containsAll(key) && !seen.add(keyOf.apply(row))) {
                // a duplicate key would duplicate the rows it joins to
                r.fail(n.location(), "lookups." + name, file + ": the key " + keyOf.apply(row) + " appears twice");
            }
        }
        return new Lookup(name, where, key, ignoreCase, header, body);
    }

    static String resourceText(String resource) {
        try (InputStream in = MappingLoader.class.getResourceAsStream("/io/sluice/focus/" + resource)) {
            if (in == null) throw new IllegalStateException("no such built-in file: " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads nodes and collects problems, so one run reports every mistake in the file. */
    private static final class Reader {
        private final String file;
        private final List<ConfigProblem> problems = new ArrayList<>();

        Reader(String file) {
            this.file = file;
        }

        void fail(Location at, String path, String message) {
            problems.add(new ConfigProblem(at, path, message));
        }

        void throwIfAny() {
            if (!problems.isEmpty()) throw new ConfigException(problems);
        }

        ConfigNode.Mapping map(ConfigNode n, String path) {
            if (n instanceof ConfigNode.Mapping m) return m;
            fail(n.location(), path, "expected a map, found " + n.kindName());
            return new ConfigNode.Mapping(Map.of(), n.location());
        }

        List<ConfigNode> list(ConfigNode n, String path) {
            if (n instanceof ConfigNode.Sequence s) return s.items();
            fail(n.location(), path, "expected a list, found " + n.kindName());
            return List.of();
        }

        String scalar(ConfigNode n, String path) {
            if (n instanceof ConfigNode.Scalar s && !s.isNull()) return s.value();
            fail(n.location(), path, "expected a value, found " + n.kindName());
            return "";
        }

        String string(ConfigNode.Mapping m, String key) {
            ConfigNode.Entry e = m.entries().get(key);
            if (e == null) {
                fail(m.location(), key, "missing");
                return "";
            }
            return scalar(e.value(), key);
        }

        String optString(ConfigNode.Mapping m, String key, String otherwise) {
            return m.entries().containsKey(key) ? string(m, key) : otherwise;
        }

        SourceType type(ConfigNode n, String path) {
            String t = scalar(n, path);
            try {
                return SourceType.of(t);
            } catch (IllegalArgumentException e) {
                fail(n.location(), path, "unknown type '" + t + "'; use string, decimal, timestamp, date, json or any");
                return SourceType.ANY;
            }
        }

        Rule rule(ConfigNode n, String path) {
            if (n instanceof ConfigNode.Scalar) return new Rule(scalar(n, path), "");
            ConfigNode.Mapping m = map(n, path);
            return new Rule(string(m, "sql"), optString(m, "why", ""));
        }

        void each(ConfigNode.Mapping m, String key, java.util.function.BiConsumer<String, ConfigNode> f) {
            ConfigNode.Entry e = m.entries().get(key);
            if (e == null) return;
            for (var entry : map(e.value(), key).entries().entrySet())
                f.accept(entry.getKey(), entry.getValue().value());
        }

        @Override
        public String toString() {
            return file;
        }
    }
}
