package io.sluice.focus.validate;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A rule as checked: with the applicability criteria and row conditions of the composite rules above it, and
 * its requirement with references to other rules resolved.
 *
 * @param condition the rows it applies to, or null for all
 */
public record PlannedRule(ModelRule rule, Set<String> applicability, Check condition, Check requirement) {
    public PlannedRule {
        applicability = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(applicability));
    }

    /** Every column the requirement and the condition read. */
    public Set<String> columns() {
        Set<String> all = new LinkedHashSet<>();
        if (requirement != null) all.addAll(requirement.columns());
        if (condition != null) all.addAll(condition.columns());
        return all;
    }

    static Check and(List<Check> parts) {
        List<Check> present = parts.stream().filter(java.util.Objects::nonNull).toList();
        return present.isEmpty() ? null : present.size() == 1 ? present.get(0) : new Check.And(present);
    }
}
