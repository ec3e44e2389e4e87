package io.sluice.focus.validate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of validating one dataset: a result per rule of the model.
 *
 * @param applicability the criteria the conditional rules were checked under
 * @param inferred      the criteria were inferred from the columns, not asserted
 * @param notes         findings that are not rules (a CSV's null token, say)
 */
public record Report(String version, List<String> inputs, long rows, Set<String> applicability, boolean inferred,
                     List<RuleResult> results, List<String> notes) {
    public Report {
        inputs = List.copyOf(inputs);
        applicability = java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(applicability));
        results = List.copyOf(results);
        notes = List.copyOf(notes);
    }

    /** A MUST rule failed: the dataset does not conform. */
    public boolean failed() {
        return results.stream().anyMatch(RuleResult::error);
    }

    public List<RuleResult> errors() {
        return results.stream().filter(RuleResult::error).toList();
    }

    public List<RuleResult> warnings() {
        return results.stream().filter(RuleResult::warning).toList();
    }

    public List<RuleResult> with(RuleResult.Status status) {
        return results.stream().filter(r -> r.status() == status).toList();
    }

    public RuleResult result(String ruleId) {
        return results.stream().filter(r -> r.rule().id().equals(ruleId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rule " + ruleId));
    }

    /** The report for a terminal or a log: failures with samples first, then what passed and what was not checked. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "FOCUS %s validation of %s: %,d row(s)%n", version, String.join(", ", inputs), rows));
        out.append("Applicability criteria ").append(inferred ? "(inferred from the columns present; assert them with --applicability): "
                : "(asserted): ").append(applicability.isEmpty() ? "none" : String.join(", ", applicability)).append("\n\n");
        List<RuleResult> failures = new ArrayList<>(errors());
        failures.addAll(warnings());
        for (RuleResult r : failures) {
            out.append(String.format(Locale.ROOT, "%-4s %s (%s) %s%n", r.error() ? "FAIL" : "WARN", r.rule().id(),
                    r.rule().keyword(), r.rule().description()));
            out.append(String.format(Locale.ROOT, "     %,d row(s)%s%n", r.failing(), r.rule().erratum() == null ? "" : "; rule corrected: " + r.rule().erratum()));
            r.samples().forEach(s -> out.append("       ").append(s).append('\n'));
        }
        if (!failures.isEmpty()) out.append('\n');
        List<RuleResult> passed = with(RuleResult.Status.PASS);
        out.append("Passed (").append(passed.size()).append("): ")
                .append(String.join(", ", passed.stream().map(r -> r.rule().id()).toList())).append("\n\n");
        Map<String, List<String>> skipped = new LinkedHashMap<>();
        for (RuleResult r : results) {
            if (r.status() == RuleResult.Status.NOT_APPLICABLE || r.status() == RuleResult.Status.NOT_CHECKED) {
                skipped.computeIfAbsent(r.reason(), k -> new ArrayList<>()).add(r.rule().id());
            }
        }
        skipped.forEach((reason, ids) -> out.append("Not checked, ").append(reason).append(" (").append(ids.size())
                .append("): ").append(String.join(", ", ids)).append("\n\n"));
        List<RuleResult> corrected = results.stream().filter(r -> r.rule().erratum() != null).toList();
        if (!corrected.isEmpty()) {
            out.append("Checked as corrected (the model's version contradicts the rule's text):\n");
            corrected.forEach(r -> out.append("  ").append(r.rule().id()).append(": ").append(r.rule().erratum()).append('\n'));
            out.append('\n');
        }
        notes.forEach(n -> out.append("Note: ").append(n).append('\n'));
        long checked = results.stream().filter(r -> r.status() == RuleResult.Status.PASS || r.status() == RuleResult.Status.FAIL).count();
        out.append(String.format(Locale.ROOT, "%s: %d rule(s) checked, %d passed, %d failed (MUST), %d warning(s) (SHOULD); "
                        + "%d not applicable, %d not checked%n", failed() ? "NOT CONFORMANT" : "CONFORMANT", checked,
                passed.size(), errors().size(), warnings().size(), with(RuleResult.Status.NOT_APPLICABLE).size(),
                with(RuleResult.Status.NOT_CHECKED).size()));
        return out.toString();
    }
}
