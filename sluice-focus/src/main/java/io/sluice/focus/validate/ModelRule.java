package io.sluice.focus.validate;

import java.util.List;
import java.util.Locale;

/**
 * One rule of the FOCUS requirements model.
 *
 * @param reference     the column (or attribute, or dataset) the rule is about
 * @param dynamic       the model marks it as needing context a dataset alone lacks (invoices, price lists)
 * @param keyword       MUST, MUST NOT, SHOULD, SHOULD NOT, RECOMMENDED or MAY
 * @param applicability criteria that must hold for the rule to apply
 * @param condition     the rows it applies to, or null for all
 * @param erratum       why Sluice corrected the model's version of this rule, or null
 */
public record ModelRule(
        String id,
        String reference,
        String entityType,
        boolean dynamic,
        String function,
        String keyword,
        String description,
        List<String> applicability,
        Check requirement,
        Check condition,
        String erratum) {
    public ModelRule {
        applicability = List.copyOf(applicability);
    }

    public enum Severity {
        ERROR,
        WARNING,
        NONE
    }

    /** MUST rules are errors, SHOULD and RECOMMENDED ones warnings, MAY ones permissions to nothing. */
    public Severity severity() {
        String k = keyword.toUpperCase(Locale.ROOT);
        if (k.startsWith("MUST")) return Severity.ERROR;
        if (k.startsWith("SHOULD") || k.startsWith("RECOMMENDED")) return Severity.WARNING;
        return Severity.NONE;
    }

    ModelRule corrected(Check requirement, Check condition, boolean dynamic, String keyword, String why) {
        return new ModelRule(
                id,
                reference,
                entityType,
                dynamic,
                function,
                keyword,
                description,
                applicability,
                requirement,
                condition,
                why);
    }
}
