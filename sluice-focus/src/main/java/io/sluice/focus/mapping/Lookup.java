package io.sluice.focus.mapping;

import java.util.List;

/**
 * A lookup table (a CSV file shipped with Sluice or beside a user's mapping), joined into the conversion.
 *
 * @param file       where it was read from, for the mapping printout
 * @param key        the key columns
 * @param ignoreCase keys match without regard to case
 * @param columns    the header
 * @param rows       the records; empty cells are null
 */
public record Lookup(
        String name, String file, List<String> key, boolean ignoreCase, List<String> columns, List<List<String>> rows) {
    public Lookup {
        key = List.copyOf(key);
        columns = List.copyOf(columns);
        rows = rows.stream()
                .map(r -> java.util.Collections.unmodifiableList(new java.util.ArrayList<>(r)))
                .toList();
    }

    /** The non-key columns, the fields of the struct a lookup let yields. */
    public List<String> values() {
        return columns.stream().filter(c -> !key.contains(c)).toList();
    }
}
