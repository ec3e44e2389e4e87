package io.sluice.focus.validate;

import io.sluice.spi.Sql;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The MUST rules of the model that one row can break on its own, as SQL over the focus step's output: what the
 * step's {@code validate} option checks. Rules about the whole dataset (one category per service name, column
 * presence) are left to {@code sluice focus validate}.
 */
public final class RowRules {
    /** The column listing the rules a row breaks. */
    public static final String COLUMN = "x_ValidationErrors";

    /** How a row that breaks a rule fails its split ({@code FocusStep#raised} knows it by these words). */
    public static final String BREAKS = "a row breaks the FOCUS rule(s)";

    private final List<RowRule> rules;

    public record RowRule(String id, String violation) {}

    /**
     * @param applicability the criteria the output meets
     * @param types         the output's columns and their DuckDB types
     */
    public RowRules(String version, Set<String> applicability, Map<String, String> types) {
        CheckSql sql = new CheckSql(types, applicability.contains("VIRTUAL_CURRENCY_SUPPORTED"));
        this.rules = new FocusValidator(version)
                .plan().stream()
                        .filter(p -> p.rule().severity() == ModelRule.Severity.ERROR
                                && !p.rule().dynamic()
                                && p.requirement() != null)
                        .filter(p -> applicability.containsAll(p.applicability()))
                        .filter(p -> types.keySet().containsAll(p.columns()))
                        .filter(p -> rowLevel(p.requirement()))
                        .map(p -> new RowRule(p.rule().id(), sql.violation(p.condition(), p.requirement())))
                        .toList();
    }

    public List<RowRule> rules() {
        return rules;
    }

    /** The ids of the rules a row breaks, comma-separated, or null when it breaks none. */
    public String errors() {
        StringJoiner cases = new StringJoiner(", ", "NULLIF(concat_ws(', ', ", "), '')");
        rules.forEach(r -> cases.add("CASE WHEN " + r.violation() + " THEN " + Sql.literal(r.id()) + " END"));
        return cases.toString();
    }

    /** {@code query}'s rows with the column {@link #COLUMN}. */
    public String flag(String query) {
        return "SELECT *, " + errors() + " AS " + COLUMN + " FROM (" + query + ")";
    }

    /**
     * {@code query}'s rows; the first row that breaks a rule fails the statement, naming the rules and the row, and
     * where it was read by {@code query}'s column {@code origin} (null: not known).
     */
    public String failOnError(String query, String origin) {
        String row = "'ChargeCategory=' || coalesce(ChargeCategory, 'null') || ', ChargePeriodStart=' || "
                + "coalesce(CAST(ChargePeriodStart AS VARCHAR), 'null') || ', BilledCost=' || coalesce(CAST(BilledCost AS VARCHAR), 'null')";
        return "SELECT * EXCLUDE (__errors) FROM (SELECT *, " + errors() + " AS __errors FROM (" + query + ")) "
                + "WHERE CASE WHEN __errors IS NULL THEN true ELSE error('focus validate: ' || "
                + (origin == null ? "" : Sql.identifier(origin) + " || ': ' || ")
                + "'" + BREAKS + " ' "
                + "|| __errors || ' (' || " + row + " || '); `sluice focus validate` explains each rule') END";
    }

    private static boolean rowLevel(Check c) {
        return switch (c) {
            case Check.And a -> a.items().stream().allMatch(RowRules::rowLevel);
            case Check.Or o -> o.items().stream().allMatch(RowRules::rowLevel);
            case Check.Not n -> rowLevel(n.inner());
            case Check.ModelRule m -> false;
            case Check.On on -> !FocusValidator.DATASET_FUNCTIONS.contains(on.function());
        };
    }
}
