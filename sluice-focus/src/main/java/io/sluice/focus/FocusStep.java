package io.sluice.focus;

import io.sluice.focus.mapping.Mapping;
import io.sluice.focus.mapping.MappingLoader;
import io.sluice.focus.mapping.MappingSql;
import io.sluice.focus.mapping.SourceType;
import io.sluice.focus.validate.RowRules;
import io.sluice.spi.BadRecordPolicy;
import io.sluice.spi.Sql;
import io.sluice.spi.Step;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.function.BinaryOperator;

/**
 * The {@code focus} step: the SQL of one provider's mapping, or for {@code auto} one branch per provider, each
 * converting the rows its {@code detect} predicate claims.
 */
final class FocusStep implements Step {
    /** How a row no provider claims fails its split (provider: auto). */
    private static final String NO_PROVIDER = "a row matches none of the exports";

    /** The query over an input, its rows named by the input's column given (null: not named). */
    private final BinaryOperator<String> query;

    private final String rejectColumn;

    private FocusStep(BinaryOperator<String> query, String rejectColumn) {
        this.query = query;
        this.rejectColumn = rejectColumn;
    }

    static FocusStep of(
            String provider,
            String version,
            Path mappingFile,
            boolean keepSource,
            boolean validate,
            BadRecordPolicy onBadRecord) {
        List<Mapping> mappings = provider.equals("auto")
                ? MappingLoader.PROVIDERS.stream()
                        .map(p -> MappingLoader.builtin(p, version))
                        .toList()
                : List.of(
                        mappingFile != null
                                ? MappingLoader.file(mappingFile, version)
                                : MappingLoader.builtin(provider, version));
        List<BinaryOperator<String>> checks = mappings.stream()
                .map(m -> validate ? check(m, onBadRecord) : (BinaryOperator<String>) (query, origin) -> query)
                .toList();
        BinaryOperator<String> convert = mappings.size() == 1
                ? (input, origin) -> checks.get(0)
                        .apply(
                                new MappingSql(mappings.get(0))
                                        .query(
                                                input,
                                                MappingSql.Mode.plain(keepSource)
                                                        .located(origin)),
                                origin)
                : (input, origin) -> auto(mappings, checks, input, keepSource, origin);
        return new FocusStep(convert, validate && onBadRecord != BadRecordPolicy.FAIL ? RowRules.COLUMN : null);
    }

    /**
     * Row validation. With {@code on_bad_record: fail} the first broken row fails the split (naming rule and row);
     * otherwise each row gets the rules it breaks in {@code x_ValidationErrors}, the step's reject column, so broken
     * rows go to the dead letters ({@code dead_letter}) or are dropped and counted ({@code skip}).
     */
    private static BinaryOperator<String> check(Mapping m, BadRecordPolicy onBadRecord) {
        RowRules rules = new RowRules(
                m.focusVersion(), new java.util.HashSet<>(m.applicability()), new MappingSql(m).outputTypes());
        return onBadRecord == BadRecordPolicy.FAIL ? rules::failOnError : (query, origin) -> rules.flag(query);
    }

    @Override
    public String apply(String input) {
        return query.apply(input, null);
    }

    /** Every check of the step names the row that fails it by {@code origin}, which the output keeps. */
    @Override
    public String located(String input, String origin) {
        return query.apply(input, origin);
    }

    @Override
    public String rejectColumn() {
        return rejectColumn;
    }

    /**
     * The step's own checks, raised with {@code error()} in its SQL: a row that breaks a FOCUS rule (RowRules, with
     * {@code on_bad_record: fail}), that no provider claims (provider: auto), or whose cost or date does not read. The same rows break them at every
     * attempt.
     */
    @Override
    public boolean raised(String message) {
        return message.contains(RowRules.BREAKS)
                || message.contains(NO_PROVIDER)
                || message.contains(SourceType.NOT_A_NUMBER)
                || message.contains(SourceType.NOT_A_DATE);
    }

    /** Every mapping types the source columns it reads itself (see {@code source:} in a mapping file). */
    @Override
    public boolean inputAsText() {
        return true;
    }

    /**
     * Every provider's conversion over the rows it detects, stacked by column name. The input first gets every
     * column any mapping reads (null where missing), so each detect predicate can be evaluated on every row; a
     * row no provider claims fails the split rather than vanish.
     */
    private static String auto(
            List<Mapping> mappings,
            List<BinaryOperator<String>> checks,
            String input,
            boolean keepSource,
            String origin) {
        Set<String> columns = new LinkedHashSet<>();
        StringJoiner claimed = new StringJoiner(" OR ");
        for (Mapping m : mappings) {
            columns.addAll(new MappingSql(m).sourceColumns());
            claimed.add("coalesce((" + m.detect() + "), false)");
        }
        String packed = keepSource ? MappingSql.packSource(input) : input;
        StringBuilder sql =
                new StringBuilder("WITH __auto AS (" + MappingSql.withNulls("(" + packed + ")", columns) + ")\n");
        for (int i = 0; i < mappings.size(); i++) {
            Mapping m = mappings.get(i);
            if (i > 0) sql.append("\nUNION ALL BY NAME\n");
            MappingSql.Mode mode =
                    new MappingSql.Mode(keepSource, true, true, "coalesce((" + m.detect() + "), false)", origin);
            sql.append("SELECT * FROM (")
                    .append(checks.get(i).apply(new MappingSql(m).query("SELECT * FROM __auto", mode), origin))
                    .append(")");
        }
        // a branch of its own, so that no filter of the others can skip it
        sql.append("\nUNION ALL BY NAME\nSELECT CAST(error('focus (provider: auto): ' || ")
                .append(origin == null ? "" : Sql.identifier(origin) + " || ': ' || ")
                .append(Sql.literal(NO_PROVIDER + " " + MappingLoader.PROVIDERS
                        + "; set the provider, or check the input's columns"))
                .append(") AS VARCHAR) AS ProviderName FROM __auto WHERE NOT (")
                .append(claimed)
                .append(")");
        return sql.toString();
    }
}
