package io.sluice.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed YAML or JSON document, every node with its location, before validation. */
public sealed interface ConfigNode {
    Location location();

    /** A scalar; {@code isNull} for an empty value or {@code null}/{@code ~}. */
    record Scalar(String value, boolean isNull, Location location) implements ConfigNode {}

    record Sequence(List<ConfigNode> items, Location location) implements ConfigNode {
        public Sequence {
            items = List.copyOf(items);
        }
    }

    record Mapping(Map<String, Entry> entries, Location location) implements ConfigNode {
        public Mapping {
            entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }
    }

    record Entry(Location keyLocation, ConfigNode value) {}

    default String kindName() {
        return switch (this) {
            case Scalar s -> s.isNull() ? "an empty value" : "a scalar";
            case Sequence s -> "a list";
            case Mapping m -> "a map";
        };
    }
}
