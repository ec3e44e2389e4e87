package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated block of options: every value already has its declared type and defaults are filled in.
 * Remembers where each option was written, so a later check (a missing folder) can still point at the line.
 */
public record Options(String path, Location location, Map<String, Object> values, Map<String, Location> locations) {
    public Options {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        locations = Map.copyOf(locations);
    }

    public boolean has(String name) {
        return values.get(name) != null;
    }

    public String string(String name) {
        return (String) values.get(name);
    }

    public Optional<String> optionalString(String name) {
        return Optional.ofNullable(string(name));
    }

    public long integer(String name) {
        return ((Number) values.get(name)).longValue();
    }

    public Optional<Long> optionalInteger(String name) {
        return Optional.ofNullable((Long) values.get(name));
    }

    public double decimal(String name) {
        return (Double) values.get(name);
    }

    public boolean bool(String name) {
        return (Boolean) values.get(name);
    }

    public Duration duration(String name) {
        return (Duration) values.get(name);
    }

    public long size(String name) {
        return (Long) values.get(name);
    }

    public Path filePath(String name) {
        return (Path) values.get(name);
    }

    public Options block(String name) {
        return (Options) values.get(name);
    }

    public Selected selected(String name) {
        return (Selected) values.get(name);
    }

    @SuppressWarnings("unchecked")
    public <T> List<T> list(String name) {
        Object v = values.get(name);
        return v == null ? List.of() : (List<T>) v;
    }

    /** The location of an option, or of this block when the option was not written. */
    public Location locationOf(String name) {
        return locations.getOrDefault(name, location);
    }

    /** The full option path of a child, e.g. {@code source.files.path}. */
    public String pathOf(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** A problem about one option, for checks made after validation. */
    public ConfigException problem(String name, String message) {
        return new ConfigException(new ConfigProblem(locationOf(name), pathOf(name), message));
    }

    /** The kind chosen in a {@link Type.Variant} block, with its validated value. */
    public record Selected(String kind, Object value, String path, Location location) {
        public Options options() {
            return (Options) value;
        }
    }
}
