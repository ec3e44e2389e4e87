package io.sluice.focus.mapping;

import io.sluice.focus.spec.FocusColumn;
import io.sluice.focus.spec.FocusSpec;
import io.sluice.spi.Sql;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Turns a {@link Mapping} into one DuckDB query over the step's input. The query is a chain of CTEs, each a
 * plain projection DuckDB fuses into one pass:
 * <ol>
 *   <li>optional source columns the input lacks are added as nulls ({@code UNION ALL BY NAME} with an empty
 *       relation: the only way to reference a column that may not exist, since the step sees no schema);</li>
 *   <li>every declared source column is converted to its declared type;</li>
 *   <li>the lets, one CTE each, so that each sees the ones before it;</li>
 *   <li>dropped rows go, extra rows are added (one {@code UNION ALL} branch per kind);</li>
 *   <li>the FOCUS columns, cast to the specification's types, then the x_ columns.</li>
 * </ol>
 */
public final class MappingSql {
    /** The column that tells which kind of row (the main one, or an extra row's kind) a row is. */
    static final String KIND = "__kind";

    static final String MAIN = "charge";
    private static final String SOURCE = "__source";

    private static final Map<SourceType, String> SQL_TYPES = Map.of(
            SourceType.STRING,
            "VARCHAR",
            SourceType.DECIMAL,
            "DECIMAL(38,12)",
            SourceType.TIMESTAMP,
            "TIMESTAMPTZ",
            SourceType.DATE,
            "DATE",
            SourceType.JSON,
            "JSON",
            SourceType.ANY,
            "VARCHAR");

    private final Mapping mapping;
    private final FocusSpec spec;

    public MappingSql(Mapping mapping) {
        this.mapping = mapping;
        this.spec = FocusSpec.of(mapping.focusVersion());
    }

    /**
     * How the query is built.
     *
     * @param keepSource  also emit the input's columns as {@code x_<name>}, after the FOCUS and x_ columns
     * @param packed      the input already carries them in a struct column {@code __source}
     * @param allOptional treat required columns as optional too (provider {@code auto}: rows of other exports)
     * @param where       rows to convert (a predicate on the columns as read), or null for all
     * @param origin      the input's column saying where each row was read, which a value that does not convert names
     *                    and the output keeps (see {@code Step#located}); null: none
     */
    public record Mode(boolean keepSource, boolean packed, boolean allOptional, String where, String origin) {
        public static Mode plain(boolean keepSource) {
            return new Mode(keepSource, false, false, null, null);
        }

        /** This mode, the rows named by the input's column {@code origin}. */
        public Mode located(String origin) {
            return new Mode(keepSource, packed, allOptional, where, origin);
        }
    }

    /** The query that converts the rows of {@code input}. */
    public String query(String input, Mode mode) {
        List<String> ctes = new ArrayList<>();
        String prev = cte(ctes, mode.keepSource() && !mode.packed() ? packSource(input) : input);
        Map<String, SourceType> nullable = new LinkedHashMap<>(mapping.optional());
        if (mode.allOptional()) nullable.putAll(mapping.required());
        List<String> prefixes = mapping.lets().stream()
                .filter(l -> l instanceof Let.PrefixedColumns)
                .map(l -> ((Let.PrefixedColumns) l).prefix())
                .toList();
        // a prefix with no matching column would make COLUMNS() fail: one always-null column matches it
        prefixes.forEach(p -> nullable.putIfAbsent(p, SourceType.STRING));
        if (!nullable.isEmpty()) prev = cte(ctes, withNulls(prev, nullable.keySet()));
        // before the conversions, so that rows of another export are never converted
        if (mode.where() != null) prev = cte(ctes, "SELECT * FROM " + prev + " WHERE " + mode.where());
        // only the declared columns go on, typed: nothing else in the input can clash with a let's name
        StringJoiner typed = new StringJoiner(", ");
        Map<String, SourceType> all = new LinkedHashMap<>(mapping.required());
        all.putAll(mapping.optional());
        // qualified: a required column the input lacks is then "not found" (DuckDB would otherwise take the
        // unqualified name for the alias it defines, and say it "cannot be referenced before it is defined")
        String from = prev;
        String origin = mode.origin() == null ? null : from + "." + Sql.identifier(mode.origin());
        all.forEach(
                (c, t) -> typed.add(t.convert(from + "." + Sql.identifier(c), c, origin) + " AS " + Sql.identifier(c)));
        if (origin != null) typed.add(origin);
        prefixes.forEach(p -> typed.add("COLUMNS('^" + regex(p) + "')"));
        if (mode.keepSource()) typed.add(SOURCE);
        prev = cte(ctes, "SELECT " + typed + " FROM " + prev);
        if (!mapping.renamed().isEmpty()) {
            StringJoiner made = new StringJoiner(", ");
            mapping.renamed()
                    .forEach((c, r) -> made.add(
                            r.from() == null
                                    ? "CAST(NULL AS " + SQL_TYPES.get(r.type()) + ") AS " + Sql.identifier(c)
                                    : r.type().convert("(" + r.from().sql().strip() + ")") + " AS "
                                            + Sql.identifier(c)));
            prev = cte(ctes, "SELECT *, " + made + " FROM " + prev);
        }
        for (Map.Entry<String, Lookup> l : mapping.lookups().entrySet()) {
            ctes.add(lookupName(l.getKey()) + " AS (" + values(l.getValue()) + ")");
        }
        for (Let let : mapping.lets()) prev = let(ctes, prev, let);
        prev = cte(ctes, rows(prev));
        StringJoiner out = new StringJoiner(",\n  ");
        mapping.columns()
                .forEach((c, rule) ->
                        out.add("CAST(" + expression(c, rule) + " AS " + typeOf(c) + ") AS " + Sql.identifier(c)));
        mapping.extras().forEach((c, rule) -> out.add(expression(c, rule) + " AS " + Sql.identifier(c)));
        if (mode.keepSource()) out.add("COLUMNS(" + SOURCE + ".*) AS 'x_\\0'");
        if (mode.origin() != null) out.add(Sql.identifier(mode.origin()));
        StringBuilder sql = new StringBuilder("WITH ");
        sql.append(String.join(",\n", ctes))
                .append("\nSELECT\n  ")
                .append(out)
                .append("\nFROM ")
                .append(prev);
        return sql.toString();
    }

    /** The input with its columns packed into one struct, carried through to be emitted as x_ columns. */
    public static String packSource(String input) {
        return "SELECT *, __i AS " + SOURCE + " FROM (" + input + ") __i";
    }

    /** {@code relation} plus the given columns as nulls where it lacks them. */
    public static String withNulls(String relation, java.util.Collection<String> columns) {
        StringJoiner nulls = new StringJoiner(", ");
        // SQL names ignore case: Azure's "Product" and CUR 2.0's "product" are one column
        java.util.Set<String> seen = new java.util.HashSet<>();
        columns.stream()
                .filter(c -> seen.add(c.toLowerCase(java.util.Locale.ROOT)))
                .forEach(c -> nulls.add("NULL AS " + Sql.identifier(c)));
        return "SELECT * FROM " + relation + " UNION ALL BY NAME (SELECT " + nulls + " LIMIT 0)";
    }

    /** Every source column the mapping reads. */
    public java.util.Set<String> sourceColumns() {
        java.util.Set<String> all =
                new java.util.LinkedHashSet<>(mapping.required().keySet());
        all.addAll(mapping.optional().keySet());
        return all;
    }

    /** The FOCUS columns and x_ columns this mapping writes, in output order, with their types (x_: as written). */
    public Map<String, String> outputTypes() {
        Map<String, String> out = new LinkedHashMap<>();
        mapping.columns().keySet().forEach(c -> out.put(c, typeOf(c)));
        mapping.extras().keySet().forEach(c -> out.put(c, "ANY"));
        return out;
    }

    private String typeOf(String column) {
        return spec.column(column).map(c -> c.type().sql).orElse(FocusColumn.DataType.STRING.sql);
    }

    private String expression(String column, Rule main) {
        StringBuilder e = new StringBuilder();
        List<ExtraRow> overriding = mapping.extraRows().stream()
                .filter(x -> x.columns().containsKey(column))
                .toList();
        if (overriding.isEmpty()) return "(" + main.sql().strip() + ")";
        e.append("CASE ").append(KIND);
        for (ExtraRow x : overriding) {
            e.append(" WHEN ")
                    .append(Sql.literal(x.kind()))
                    .append(" THEN (")
                    .append(x.columns().get(column).sql().strip())
                    .append(')');
        }
        return e.append(" ELSE (").append(main.sql().strip()).append(") END").toString();
    }

    /**
     * One row per kind a source row makes: the main one unless dropped, and each extra row it matches. A list of
     * kinds unnested, so the source rows are computed once (a UNION of two scans would compute them twice).
     */
    private String rows(String prev) {
        if (mapping.drops().isEmpty() && mapping.extraRows().isEmpty()) {
            return "SELECT *, " + Sql.literal(MAIN) + " AS " + KIND + " FROM " + prev;
        }
        StringJoiner kinds = new StringJoiner(", ", "[", "]");
        String keep = mapping.drops().isEmpty()
                ? "true"
                : "NOT ("
                        + String.join(
                                " OR ",
                                mapping.drops().stream()
                                        .map(d -> "coalesce((" + d.when().strip() + "), false)")
                                        .toList())
                        + ")";
        kinds.add("CASE WHEN " + keep + " THEN " + Sql.literal(MAIN) + " END");
        for (ExtraRow x : mapping.extraRows()) {
            kinds.add("CASE WHEN coalesce((" + x.when().strip() + "), false) THEN " + Sql.literal(x.kind()) + " END");
        }
        return "SELECT *, unnest(list_filter(" + kinds + ", lambda k: k IS NOT NULL)) AS " + KIND + " FROM " + prev;
    }

    private String let(List<String> ctes, String prev, Let let) {
        String name = Sql.identifier(let.name());
        return switch (let) {
            case Let.Expr e -> cte(ctes, "SELECT *, (" + e.sql().strip() + ") AS " + name + " FROM " + prev);
            case Let.PrefixedColumns p -> {
                // as JSON text: the columns' object, keys without the prefix (a key follows { or , where a value
                // follows :, and a quote inside a value is escaped), nulls removed by merging into {}; far cheaper
                // than a MAP built row by row
                String prefix = Sql.literal(p.prefix()).substring(1);
                String object = "replace(replace(CAST(to_json(struct_pack(*COLUMNS('^" + regex(p.prefix())
                        + "'))) AS VARCHAR), " + "'{\"" + prefix + ", '{\"'), ',\"" + prefix + ", ',\"')";
                yield cte(
                        ctes,
                        "SELECT *, NULLIF(json_merge_patch('{}', " + object + "), '{}') AS " + name + " FROM " + prev);
            }
            case Let.FromLookup f -> {
                Lookup l = mapping.lookups().get(f.lookup());
                StringJoiner fields = new StringJoiner(", ");
                List<String> values = l.values();
                for (int i = 0; i < values.size(); i++) fields.add(Sql.literal(values.get(i)) + ": __l.__v" + i);
                StringJoiner on = new StringJoiner(" AND ");
                for (int i = 0; i < f.key().size(); i++) {
                    String key = "(" + f.key().get(i).strip() + ")";
                    on.add("__l.__k" + i + " = " + (l.ignoreCase() ? "lower(" + key + ")" : key));
                }
                yield cte(
                        ctes,
                        "SELECT __p.*, {" + fields + "} AS " + name + " FROM " + prev + " __p LEFT JOIN "
                                + lookupName(f.lookup()) + " __l ON " + on);
            }
        };
    }

    /** The table as a VALUES list, key columns first ({@code __k0..}), then values ({@code __v0..}). */
    private static String values(Lookup l) {
        List<String> order = new ArrayList<>(l.key());
        order.addAll(l.values());
        StringJoiner names = new StringJoiner(", ");
        for (int i = 0; i < l.key().size(); i++) names.add("__k" + i);
        for (int i = 0; i < l.values().size(); i++) names.add("__v" + i);
        StringJoiner rows = new StringJoiner(", ");
        for (List<String> row : l.rows()) {
            StringJoiner r = new StringJoiner(", ", "(", ")");
            for (String c : order) {
                String v = row.get(l.columns().indexOf(c));
                boolean key = l.key().contains(c);
                if (v.isEmpty() && !key) r.add("NULL::VARCHAR");
                else r.add(Sql.literal(key && l.ignoreCase() ? v.toLowerCase(java.util.Locale.ROOT) : v));
            }
            rows.add(r.toString());
        }
        return "SELECT * FROM (VALUES " + rows + ") __t(" + names + ")";
    }

    /** A regular expression (in an SQL string) matching {@code text} literally. */
    private static String regex(String text) {
        return text.replaceAll("[\\\\^$.|?*+()\\[\\]{}]", "\\\\$0").replace("'", "''");
    }

    private static String lookupName(String name) {
        return Sql.identifier("__lookup_" + name);
    }

    private static String cte(List<String> ctes, String body) {
        String name = "__s" + ctes.size();
        ctes.add(name + " AS (" + body + ")");
        return name;
    }
}
