package io.sluice.config;

import java.util.Map;
import java.util.Optional;

/**
 * A validated block of options: every value already has its declared type and defaults are filled in. Read with the
 * declared {@link Field}s: {@code o.get(PATH)} is a {@code Path}, no name string, no cast.
 * Remembers where each option was written, so a later check (a missing folder) can still point at the line.
 *
 * @param declared the block's declaration: every field read from it must be one of its fields
 * @param values   by option name, for code that walks every option (the pipeline version, tests)
 * @param references the values below this block written with a {@code ${VAR}} or {@code ${file:...}} reference, by
 *                   their path from it ({@code env.API_TOKEN}): their text is the environment's, not the file's
 */
public record Options(
        String path,
        Location location,
        Type.Obj declared,
        Map<String, Object> values,
        Map<String, Location> locations,
        java.util.Set<String> references) {
    public Options {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
        locations = Map.copyOf(locations);
        references = java.util.Set.copyOf(references);
    }

    /**
     * Whether the value at {@code option} (a name of this block, or a path below it: {@code env.API_TOKEN}) was written
     * with a reference, so that it holds what the environment or a file gave: a secret, maybe, which the file never
     * showed.
     */
    public boolean fromReference(String option) {
        return references.contains(option);
    }

    /**
     * The validated value of an option: its default when not written, null when it has none.
     *
     * @throws IllegalArgumentException when the field is not declared in this block (a programming error)
     */
    @SuppressWarnings("unchecked") // the Validator made the value from this very field's type
    public <T> T get(Field<T> field) {
        if (declared.field(field.name()) != field) {
            throw new IllegalArgumentException(pathOf(field.name()) + " is not declared in this block: read it from "
                    + "the block that declares it");
        }
        return (T) values.get(field.name());
    }

    /** The value of an option that has no default and may be left out. */
    public <T> Optional<T> find(Field<T> field) {
        return Optional.ofNullable(get(field));
    }

    public boolean has(Field<?> field) {
        return get(field) != null;
    }

    /** The location of an option, or of this block when the option was not written. */
    public Location locationOf(String name) {
        return locations.getOrDefault(name, location);
    }

    /** The full option path of a child, e.g. {@code source.files.path}. */
    public String pathOf(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /**
     * The time zone a text option names, of the tz database ({@code UTC} when not written); a name that is none fails
     * naming the option, with {@code usage} (what takes the zone, or empty) after the examples.
     */
    public java.time.ZoneId zone(Field<String> field, String usage) {
        String name = find(field).orElse("UTC");
        if (!java.time.ZoneId.getAvailableZoneIds().contains(name)) {
            throw problem(
                    field,
                    "`" + name + "` is not a time zone of the tz database: write one such as `UTC`, `Europe/Paris`, "
                            + "`America/New_York`" + usage);
        }
        return java.time.ZoneId.of(name);
    }

    /** A problem about one option, for checks made after validation. */
    public ConfigException problem(Field<?> field, String message) {
        return problem(field.name(), message);
    }

    /** A problem about one option, by its name. */
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
