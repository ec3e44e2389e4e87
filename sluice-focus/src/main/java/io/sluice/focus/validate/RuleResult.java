package io.sluice.focus.validate;

import java.util.List;

/**
 * What validation found for one rule.
 *
 * @param failing rows that break it; 0 for a rule on the dataset as a whole (a column present, custom columns named
 *                x_), whose failure {@code samples} describes
 * @param samples a few failing rows, as "file:line  Column=value ...", or what is wrong with the dataset
 * @param reason  why the rule was not checked or does not apply; empty otherwise
 */
public record RuleResult(PlannedRule planned, Status status, long failing, List<String> samples, String reason) {
    public RuleResult {
        samples = List.copyOf(samples);
    }

    public enum Status {
        PASS,
        FAIL,
        NOT_APPLICABLE,
        NOT_CHECKED
    }

    public ModelRule rule() {
        return planned.rule();
    }

    /** A MUST rule failed. */
    public boolean error() {
        return status == Status.FAIL && rule().severity() == ModelRule.Severity.ERROR;
    }

    /** A SHOULD or RECOMMENDED rule failed. */
    public boolean warning() {
        return status == Status.FAIL && rule().severity() == ModelRule.Severity.WARNING;
    }

    /** Fails on the dataset as a whole, not on some rows: a missing column, say. */
    public boolean datasetLevel() {
        return status == Status.FAIL && failing == 0;
    }

    static RuleResult datasetFailure(PlannedRule p, String what) {
        return new RuleResult(p, Status.FAIL, 0, List.of(what), "");
    }

    static RuleResult skipped(PlannedRule p, Status status, String reason) {
        return new RuleResult(p, status, 0, List.of(), reason);
    }
}
