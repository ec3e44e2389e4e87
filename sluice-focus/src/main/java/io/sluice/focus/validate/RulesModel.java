package io.sluice.focus.validate;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The FOCUS requirements model of one version ({@code spec/model-<version>.json}), with Sluice's corrections
 * ({@code spec/errata-<version>.yaml}) applied. Rules are checked as the model writes them unless an erratum says
 * otherwise; nothing is hand-picked.
 */
public final class RulesModel {
    private final String version;
    private final Map<String, ModelRule> rules;
    private final List<String> roots;
    private final java.util.Set<String> criteria;

    private RulesModel(
            String version, Map<String, ModelRule> rules, List<String> roots, java.util.Set<String> criteria) {
        this.version = version;
        this.rules = rules;
        this.roots = roots;
        this.criteria = criteria;
    }

    public static RulesModel of(String version) {
        Map<String, Object> json = json("model-" + version + ".json");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> raw = (Map<String, Map<String, Object>>) json.get("ModelRules");
        Map<String, ModelRule> rules = new LinkedHashMap<>();
        raw.forEach((id, r) -> rules.put(id, rule(id, r)));
        for (Map<String, Object> fix : errata("errata-" + version + ".yaml")) {
            String id = (String) fix.get("rule");
            ModelRule r = rules.get(id);
            if (r == null) throw new IllegalStateException("erratum for unknown rule " + id);
            rules.put(
                    id,
                    r.corrected(
                            fix.containsKey("requirement") ? Check.parse(fix.get("requirement")) : r.requirement(),
                            fix.containsKey("condition") ? Check.parseCondition(fix.get("condition")) : r.condition(),
                            fix.containsKey("dynamic") ? (Boolean) fix.get("dynamic") : r.dynamic(),
                            fix.containsKey("keyword") ? (String) fix.get("keyword") : r.keyword(),
                            ((String) fix.get("why")).strip()));
        }
        List<String> roots = new ArrayList<>();
        java.util.Set<String> referenced = new java.util.HashSet<>();
        rules.values().forEach(r -> collectRefs(r.requirement(), referenced));
        for (String id : rules.keySet()) if (!referenced.contains(id)) roots.add(id);
        @SuppressWarnings("unchecked")
        java.util.Set<String> criteria =
                new java.util.TreeSet<>(((Map<String, Object>) json.get("ApplicabilityCriteria")).keySet());
        return new RulesModel(version, rules, roots, criteria);
    }

    public String version() {
        return version;
    }

    /** The applicability criteria the model knows. */
    public java.util.Set<String> criteria() {
        return criteria;
    }

    public Map<String, ModelRule> rules() {
        return rules;
    }

    /** Rules no other rule refers to: the dataset rule first, then the attribute rules. */
    public List<String> roots() {
        return roots;
    }

    private static ModelRule rule(String id, Map<String, Object> r) {
        @SuppressWarnings("unchecked")
        Map<String, Object> vc = (Map<String, Object>) r.get("ValidationCriteria");
        Object requirement = vc.get("Requirement");
        Object condition = vc.get("Condition");
        @SuppressWarnings("unchecked")
        List<String> applicability = (List<String>) r.getOrDefault("ApplicabilityCriteria", List.of());
        boolean hasRequirement = requirement instanceof Map<?, ?> m && !m.isEmpty();
        return new ModelRule(
                id,
                (String) r.get("Reference"),
                (String) r.get("EntityType"),
                "Dynamic".equals(r.get("Type")),
                (String) r.get("Function"),
                (String) vc.get("Keyword"),
                ((String) vc.get("MustSatisfy")).strip(),
                applicability,
                hasRequirement ? Check.parse(requirement) : null,
                condition instanceof Map<?, ?> c && !c.isEmpty() ? Check.parseCondition(condition) : null,
                null);
    }

    private static void collectRefs(Check c, java.util.Set<String> out) {
        switch (c) {
            case null -> {}
            case Check.ModelRule m -> out.add(m.ruleId());
            case Check.And a -> a.items().forEach(i -> collectRefs(i, out));
            case Check.Or o -> o.items().forEach(i -> collectRefs(i, out));
            case Check.Not n -> collectRefs(n.inner(), out);
            case Check.On on -> {}
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String resource) {
        try (InputStream in = stream(resource)) {
            return new ObjectMapper().readValue(in, Map.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> errata(String resource) {
        try (InputStream in = stream(resource)) {
            Map<String, Object> doc =
                    (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromInputStream(in);
            return (List<Map<String, Object>>) doc.get("corrections");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream stream(String resource) {
        InputStream in = RulesModel.class.getResourceAsStream("/io/sluice/focus/spec/" + resource);
        if (in == null) throw new IllegalArgumentException("no FOCUS rules for this version: " + resource);
        return in;
    }
}
