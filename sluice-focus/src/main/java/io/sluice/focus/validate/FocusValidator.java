package io.sluice.focus.validate;

import io.sluice.focus.spec.FocusSpec;
import io.sluice.spi.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Checks a FOCUS dataset (a DuckDB table) against every rule of the requirements model. Row rules are counted in
 * one scan; dataset rules (column presence, one category per service name, custom column names) each in a query.
 */
public final class FocusValidator {
    /** Columns a dataset table may carry for reporting: the file and the line of each row. */
    public static final String FILE = "__file";

    public static final String LINE = "__line";

    static final Set<String> DATASET_FUNCTIONS = Set.of("ColumnPresent", "CheckDistinctCount", "CustomColumnsPrefixed");
    private static final int SAMPLES = 3;

    private final RulesModel model;
    private final FocusSpec spec;
    private final List<PlannedRule> plan;

    public FocusValidator(String version) {
        this.model = RulesModel.of(version);
        this.spec = FocusSpec.of(version);
        this.plan = RulePlan.of(model);
    }

    public List<PlannedRule> plan() {
        return plan;
    }

    /**
     * @param applicability the criteria to check under, or null to infer them from the columns
     */
    public Report validate(
            Connection c, String table, List<String> inputs, Set<String> applicability, List<String> notes)
            throws SQLException {
        Map<String, String> types = columns(c, table);
        boolean located = describe(c, table).containsKey(FILE);
        boolean inferred = applicability == null;
        Set<String> criteria = inferred
                ? Applicability.infer(
                        types.keySet(),
                        types.containsKey("BillingAccountName")
                                && count(c, "SELECT count(BillingAccountName) FROM " + table) > 0)
                : applicability;
        CheckSql sql = new CheckSql(types, criteria.contains("VIRTUAL_CURRENCY_SUPPORTED"));
        long rows = count(c, "SELECT count(*) FROM " + table);
        List<RuleResult> results = new ArrayList<>();
        Map<PlannedRule, String> rowChecks = new LinkedHashMap<>();
        for (PlannedRule p : plan) {
            RuleResult skipped = skip(p, criteria, types.keySet());
            if (skipped != null) {
                results.add(skipped);
            } else if (p.requirement() instanceof Check.On on && DATASET_FUNCTIONS.contains(on.function())) {
                results.add(datasetRule(c, table, p, on, types, sql, located));
            } else {
                rowChecks.put(p, sql.violation(p.condition(), p.requirement()));
                results.add(null);
            }
        }
        Map<PlannedRule, Long> counts = countViolations(c, table, rowChecks);
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) != null) continue;
            PlannedRule p = plan.get(i);
            long failing = counts.get(p);
            results.set(
                    i,
                    failing == 0
                            ? new RuleResult(p, RuleResult.Status.PASS, 0, List.of(), "")
                            : new RuleResult(
                                    p,
                                    RuleResult.Status.FAIL,
                                    failing,
                                    samples(c, table, p, rowChecks.get(p), types, located),
                                    ""));
        }
        return new Report(model.version(), inputs, rows, criteria, inferred, results, notes);
    }

    /** Why a rule is not checked on this dataset, or null when it is. */
    private RuleResult skip(PlannedRule p, Set<String> criteria, Set<String> columns) {
        ModelRule r = p.rule();
        if (r.severity() == ModelRule.Severity.NONE)
            return RuleResult.skipped(p, RuleResult.Status.NOT_CHECKED, "MAY: a permission, nothing to check");
        if (r.dynamic() || p.requirement() == null) {
            return RuleResult.skipped(
                    p,
                    RuleResult.Status.NOT_CHECKED,
                    "dynamic: needs facts beyond the dataset (invoices, price lists, history)");
        }
        Set<String> missing = new LinkedHashSet<>(p.applicability());
        missing.removeAll(criteria);
        if (!missing.isEmpty())
            return RuleResult.skipped(p, RuleResult.Status.NOT_APPLICABLE, "not applicable (criteria not met)");
        if (!(p.requirement() instanceof Check.On on && on.function().equals("ColumnPresent"))) {
            Set<String> absent = new LinkedHashSet<>(p.columns());
            absent.removeAll(columns);
            if (!absent.isEmpty())
                return RuleResult.skipped(p, RuleResult.Status.NOT_CHECKED, "a column it reads is absent");
        }
        return null;
    }

    private RuleResult datasetRule(
            Connection c,
            String table,
            PlannedRule p,
            Check.On on,
            Map<String, String> types,
            CheckSql sql,
            boolean located)
            throws SQLException {
        return switch (on.function()) {
            case "ColumnPresent" ->
                types.containsKey(on.column())
                        ? new RuleResult(p, RuleResult.Status.PASS, 0, List.of(), "")
                        : RuleResult.datasetFailure(p, "missing column: the dataset has no column " + on.column());
            case "CustomColumnsPrefixed" -> {
                List<String> custom = types.keySet().stream()
                        .filter(col -> !col.startsWith("x_")
                                && spec.column(col).isEmpty()
                                && !FocusSpec.LATER_COLUMNS.contains(col))
                        .toList();
                yield custom.isEmpty()
                        ? new RuleResult(p, RuleResult.Status.PASS, 0, List.of(), "")
                        : RuleResult.datasetFailure(p, "columns neither FOCUS nor x_: " + custom);
            }
            default -> {
                // CheckDistinctCount: every value of A has exactly N distinct values of B
                String a = Sql.identifier(on.column());
                String b = Sql.identifier(on.columnArgs().get(1));
                String rows = p.condition() == null
                        ? table
                        : "(SELECT * FROM " + table + " WHERE " + sql.holds(p.condition()) + ")";
                String bad = "SELECT " + a + " FROM " + rows + " GROUP BY " + a + " HAVING count(DISTINCT " + b
                        + ") <> " + on.value();
                String where = a + " IN (" + bad + ")";
                long failing = count(c, "SELECT count(*) FROM " + rows + " __r WHERE " + where);
                yield failing == 0
                        ? new RuleResult(p, RuleResult.Status.PASS, 0, List.of(), "")
                        : new RuleResult(
                                p, RuleResult.Status.FAIL, failing, samples(c, rows, p, where, types, located), "");
            }
        };
    }

    private static Map<PlannedRule, Long> countViolations(Connection c, String table, Map<PlannedRule, String> checks)
            throws SQLException {
        Map<PlannedRule, Long> out = new LinkedHashMap<>();
        List<PlannedRule> rules = new ArrayList<>(checks.keySet());
        // in batches: one scan counts many rules, and no statement grows unbounded
        for (int from = 0; from < rules.size(); from += 100) {
            List<PlannedRule> batch = rules.subList(from, Math.min(rules.size(), from + 100));
            StringJoiner aggregates = new StringJoiner(", ");
            for (PlannedRule p : batch) aggregates.add("count(*) FILTER (WHERE " + checks.get(p) + ")");
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT " + aggregates + " FROM " + table)) {
                r.next();
                for (int i = 0; i < batch.size(); i++) out.put(batch.get(i), r.getLong(i + 1));
            }
        }
        return out;
    }

    private static List<String> samples(
            Connection c, String table, PlannedRule p, String where, Map<String, String> types, boolean located)
            throws SQLException {
        List<String> cols = new ArrayList<>(p.columns());
        for (String context : List.of("ChargeCategory", "ChargeClass")) {
            if (!cols.contains(context) && types.containsKey(context)) cols.add(context);
        }
        StringJoiner select = new StringJoiner(", ");
        if (located) select.add(FILE).add(LINE);
        cols.forEach(col -> select.add(Sql.identifier(col)));
        List<String> out = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(
                        "SELECT " + select + " FROM " + table + " WHERE " + where + " LIMIT " + SAMPLES)) {
            ResultSetMetaData m = r.getMetaData();
            while (r.next()) {
                StringBuilder line = new StringBuilder();
                int first = 1;
                if (located) {
                    line.append(r.getString(1)).append(':').append(r.getLong(2)).append("  ");
                    first = 3;
                }
                for (int i = first; i <= m.getColumnCount(); i++) {
                    String v = r.getString(i);
                    line.append(m.getColumnName(i)).append('=').append(v == null ? "null" : '"' + abbreviate(v) + '"');
                    if (i < m.getColumnCount()) line.append(' ');
                }
                out.add(line.toString());
            }
        }
        return out;
    }

    private static String abbreviate(String v) {
        return v.length() > 80 ? v.substring(0, 77) + "..." : v;
    }

    /** The dataset's columns and their DuckDB types, without the reporting columns. */
    static Map<String, String> columns(Connection c, String table) throws SQLException {
        Map<String, String> all = describe(c, table);
        all.remove(FILE);
        all.remove(LINE);
        return all;
    }

    private static Map<String, String> describe(Connection c, String table) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("DESCRIBE SELECT * FROM " + table)) {
            while (r.next()) out.put(r.getString("column_name"), r.getString("column_type"));
        }
        return out;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }
}
