package io.sluice.focus.validate;

import java.util.List;

/**
 * What validation found for one rule.
 *
 * @param failing rows that break it (for a dataset rule: 1 when it fails)
 * @param samples a few failing rows, as "file:line  Column=value ..."
 * @param reason  why the rule was not checked or does not apply; empty otherwise
 */
public record RuleResult(PlannedRule planned, Status status, long failing, List<String> samples, String reason) {
    public RuleResult {
        samples = List.copyOf(samples);
    }

    public enum Status { PASS, FAIL, NOT_APPLICABLE, NOT_CHECKED }

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

    static RuleResult skipped(PlannedRule p, Status status, String reason) {
        return new RuleResult(p, status, 0, List.of(), reason);
    }
}
