package io.sluice.focus.validate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A check function of the FOCUS requirements model ({@code CheckFunction} in {@code model-<version>.json}), read
 * from the model's JSON or from the errata file in the same shape.
 */
public sealed interface Check {
    /** The columns the check reads. */
    Set<String> columns();

    record And(List<Check> items) implements Check {
        public Set<String> columns() {
            return union(items);
        }
    }

    record Or(List<Check> items) implements Check {
        public Set<String> columns() {
            return union(items);
        }
    }

    /** Satisfied where {@code inner} is not (a referenced rule's condition, turned around). */
    record Not(Check inner) implements Check {
        public Set<String> columns() {
            return inner.columns();
        }
    }

    /** Another rule of the model, satisfied where that rule is. */
    record ModelRule(String ruleId) implements Check {
        public Set<String> columns() {
            return Set.of();
        }
    }

    /**
     * A check on columns: {@code function} is the model's name ({@code CheckValue}, {@code TypeDecimal}, ...),
     * {@code columns} its column arguments in order, {@code value} its Value or ExpectedCount argument.
     */
    record On(String function, List<String> columnArgs, Object value, boolean hasValue) implements Check {
        public On {
            columnArgs = List.copyOf(columnArgs);
        }

        public Set<String> columns() {
            return new java.util.LinkedHashSet<>(columnArgs);
        }

        public String column() {
            return columnArgs.get(0);
        }
    }

    /** Parses one check from the model's JSON shape (maps, lists and scalars). */
    static Check parse(Object node) {
        if (!(node instanceof Map<?, ?> m) || !(m.get("CheckFunction") instanceof String function)) {
            throw new IllegalArgumentException("not a check: " + node);
        }
        return switch (function) {
            case "AND" -> new And(items(m));
            case "OR" -> new Or(items(m));
            case "CheckModelRule" -> new ModelRule((String) m.get("ModelRuleId"));
            default -> {
                List<String> columns = new ArrayList<>();
                for (String key : List.of("ColumnName", "ColumnAName", "ColumnBName", "ResultColumnName")) {
                    if (m.get(key) instanceof String c) columns.add(c);
                }
                String valueKey =
                        m.containsKey("Value") ? "Value" : m.containsKey("ExpectedCount") ? "ExpectedCount" : null;
                yield new On(function, columns, valueKey == null ? null : m.get(valueKey), valueKey != null);
            }
        };
    }

    /** A condition, which the model also writes as {@code {"AND": [...]}} without a CheckFunction (a model slip). */
    static Check parseCondition(Object node) {
        if (node instanceof Map<?, ?> m && !m.containsKey("CheckFunction") && m.size() == 1) {
            Object inner = m.values().iterator().next();
            String key = (String) m.keySet().iterator().next();
            List<Check> items =
                    inner instanceof List<?> l ? l.stream().map(Check::parse).toList() : List.of(parse(inner));
            return key.equals("OR") ? new Or(items) : new And(items);
        }
        return parse(node);
    }

    private static List<Check> items(Map<?, ?> m) {
        return ((List<?>) m.get("Items")).stream().map(Check::parse).toList();
    }

    private static Set<String> union(List<Check> items) {
        Set<String> all = new java.util.LinkedHashSet<>();
        items.forEach(i -> all.addAll(i.columns()));
        return all;
    }
}
