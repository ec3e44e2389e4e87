package io.sluice.focus.validate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Flattens the model's tree into the rules to report. A composite that only groups other rules ({@code AND} of
 * references) passes its applicability and condition down and is not reported itself; an {@code OR} of
 * references is one rule (its parts are alternatives, not requirements).
 */
public final class RulePlan {
    private RulePlan() {}

    public static List<PlannedRule> of(RulesModel model) {
        List<PlannedRule> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String root : model.roots()) walk(model, root, Set.of(), List.of(), out, seen);
        return out;
    }

    private static void walk(
            RulesModel model,
            String id,
            Set<String> applicability,
            List<Check> conditions,
            List<PlannedRule> out,
            Set<String> seen) {
        if (!seen.add(id)) return;
        ModelRule r = model.rules().get(id);
        Set<String> apply = new LinkedHashSet<>(applicability);
        apply.addAll(r.applicability());
        List<Check> when = new ArrayList<>(conditions);
        if (r.condition() != null) when.add(r.condition());
        if (r.requirement() instanceof Check.And and
                && and.items().stream().allMatch(i -> i instanceof Check.ModelRule)) {
            for (Check child : and.items()) walk(model, ((Check.ModelRule) child).ruleId(), apply, when, out, seen);
            return;
        }
        out.add(new PlannedRule(r, apply, PlannedRule.and(when), resolve(model, r.requirement())));
    }

    /** A reference becomes the referenced rule's own check: satisfied where its condition is false or it holds. */
    private static Check resolve(RulesModel model, Check c) {
        return switch (c) {
            case null -> null;
            case Check.ModelRule ref -> {
                ModelRule r = model.rules().get(ref.ruleId());
                Check req = resolve(model, r.requirement());
                if (r.dynamic() || req == null) yield null;
                yield r.condition() == null ? req : new Check.Or(List.of(new Check.Not(r.condition()), req));
            }
            case Check.And a -> {
                List<Check> items =
                        a.items().stream().map(i -> resolve(model, i)).toList();
                yield items.contains(null) ? null : new Check.And(items);
            }
            case Check.Or o -> {
                List<Check> items =
                        o.items().stream().map(i -> resolve(model, i)).toList();
                yield items.contains(null) ? null : new Check.Or(items);
            }
            case Check.Not n -> n;
            case Check.On on -> on;
        };
    }
}
