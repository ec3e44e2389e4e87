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
public record Report(
        String version,
        List<String> inputs,
        long rows,
        Set<String> applicability,
        boolean inferred,
        List<RuleResult> results,
        List<String> notes) {
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
        return results.stream()
                .filter(r -> r.rule().id().equals(ruleId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no rule " + ruleId));
    }

    /** For a terminal, by default: each failed rule with what failed, the notes, and a one-line summary. */
    public String summary() {
        StringBuilder out = new StringBuilder(header());
        failures(out);
        notes.forEach(n -> out.append("Note: ").append(n).append('\n'));
        return out.append(verdict()).toString();
    }

    /** Every rule: the failures first, with what failed, then one line for each other rule, and the summary. */
    public String render() {
        StringBuilder out = new StringBuilder(header());
        failures(out);
        for (RuleResult r : results) {
            if (r.status() == RuleResult.Status.FAIL) continue;
            out.append(String.format(
                    Locale.ROOT,
                    "%-4s %s (%s) %s%s%n",
                    switch (r.status()) {
                        case PASS -> "PASS";
                        case NOT_APPLICABLE -> "N/A";
                        default -> "SKIP";
                    },
                    r.rule().id(),
                    r.rule().keyword(),
                    r.rule().description(),
                    r.reason().isEmpty() ? "" : " [" + r.reason() + "]"));
        }
        out.append('\n');
        List<RuleResult> corrected =
                results.stream().filter(r -> r.rule().erratum() != null).toList();
        if (!corrected.isEmpty()) {
            out.append("Checked as corrected (the model's version contradicts the rule's text):\n");
            corrected.forEach(r -> out.append("  ")
                    .append(r.rule().id())
                    .append(": ")
                    .append(r.rule().erratum())
                    .append('\n'));
            out.append('\n');
        }
        notes.forEach(n -> out.append("Note: ").append(n).append('\n'));
        return out.append(verdict()).toString();
    }

    /** For scripts ({@code --json}): every rule with its status; rows is null for a rule on the dataset as a whole. */
    public Map<String, Object> asMap() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("focus_version", version);
        doc.put("inputs", inputs);
        doc.put("rows", rows);
        doc.put("applicability", applicability);
        doc.put("applicability_inferred", inferred);
        doc.put("conformant", !failed());
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("checked", checked());
        counts.put("passed", (long) with(RuleResult.Status.PASS).size());
        counts.put("failed", (long) errors().size());
        counts.put("warnings", (long) warnings().size());
        counts.put(
                "not_applicable", (long) with(RuleResult.Status.NOT_APPLICABLE).size());
        counts.put("not_checked", (long) with(RuleResult.Status.NOT_CHECKED).size());
        doc.put("counts", counts);
        List<Map<String, Object>> rules = new ArrayList<>();
        for (RuleResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.rule().id());
            m.put("keyword", r.rule().keyword());
            m.put(
                    "status",
                    r.error()
                            ? "fail"
                            : r.warning() ? "warning" : r.status().name().toLowerCase(Locale.ROOT));
            m.put("description", r.rule().description());
            m.put("failing_rows", r.status() != RuleResult.Status.FAIL || r.datasetLevel() ? null : r.failing());
            m.put("findings", r.samples());
            m.put("reason", r.reason().isEmpty() ? null : r.reason());
            m.put("correction", r.rule().erratum());
            rules.add(m);
        }
        doc.put("rules", rules);
        doc.put("notes", notes);
        return doc;
    }

    private String header() {
        return String.format(
                        Locale.ROOT,
                        "FOCUS %s validation of %s: %,d row(s)%n",
                        version,
                        String.join(", ", inputs),
                        rows)
                + "Applicability criteria "
                + (inferred
                        ? "(inferred from the columns present; assert them with --applicability): "
                        : "(asserted): ")
                + (applicability.isEmpty() ? "none" : String.join(", ", applicability)) + "\n\n";
    }

    /** MUST failures, then SHOULD ones: how many rows (or what is wrong with the dataset) and a few of the rows. */
    private void failures(StringBuilder out) {
        List<RuleResult> failures = new ArrayList<>(errors());
        failures.addAll(warnings());
        for (RuleResult r : failures) {
            out.append(String.format(
                    Locale.ROOT,
                    "%-4s %s (%s) %s%n",
                    r.error() ? "FAIL" : "WARN",
                    r.rule().id(),
                    r.rule().keyword(),
                    r.rule().description()));
            String corrected = r.rule().erratum() == null
                    ? ""
                    : "; rule corrected: " + r.rule().erratum();
            if (r.datasetLevel()) {
                r.samples()
                        .forEach(s ->
                                out.append("     ").append(s).append(corrected).append('\n'));
            } else {
                out.append(String.format(Locale.ROOT, "     %,d row(s)%s%n", r.failing(), corrected));
                r.samples().forEach(s -> out.append("       ").append(s).append('\n'));
            }
        }
        if (!failures.isEmpty()) out.append('\n');
    }

    private long checked() {
        return results.stream()
                .filter(r -> r.status() == RuleResult.Status.PASS || r.status() == RuleResult.Status.FAIL)
                .count();
    }

    private String verdict() {
        return String.format(
                Locale.ROOT,
                "%s: %d rule(s) checked, %d passed, %d failed (MUST), %d warning(s) (SHOULD); "
                        + "%d not applicable, %d not checked%n",
                failed() ? "NOT CONFORMANT" : "CONFORMANT",
                checked(),
                with(RuleResult.Status.PASS).size(),
                errors().size(),
                warnings().size(),
                with(RuleResult.Status.NOT_APPLICABLE).size(),
                with(RuleResult.Status.NOT_CHECKED).size());
    }
}
