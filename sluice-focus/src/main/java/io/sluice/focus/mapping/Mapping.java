package io.sluice.focus.mapping;

import java.util.List;
import java.util.Map;

/**
 * How one provider's billing export becomes FOCUS: a mapping file, read by {@link MappingLoader}.
 *
 * @param detect        a predicate true for the rows of this provider's export ({@code provider: auto})
 * @param applicability the FOCUS applicability criteria the output meets (which conditional rules apply)
 * @param required      source columns the export always has, with the type they are read as
 * @param optional      source columns an export may lack; missing ones read as null
 * @param renamed       columns of the mapping this one extends, made from this export's columns: a mapping for
 *                      a renamed export reuses every rule written for the other names (CUR 2.0 and legacy CUR)
 * @param columns       FOCUS column to its rule
 * @param extras        {@code x_} columns to their rules
 * @param origin        the file(s) it was read from
 */
public record Mapping(
        String provider,
        String focusVersion,
        String title,
        String detect,
        List<String> applicability,
        Map<String, SourceType> required,
        Map<String, SourceType> optional,
        Map<String, Renamed> renamed,
        Map<String, Lookup> lookups,
        List<Let> lets,
        List<Drop> drops,
        List<ExtraRow> extraRows,
        Map<String, Rule> columns,
        Map<String, Rule> extras,
        String origin) {

    public Mapping {
        applicability = List.copyOf(applicability);
        required = ordered(required);
        optional = ordered(optional);
        renamed = ordered(renamed);
        lookups = ordered(lookups);
        lets = List.copyOf(lets);
        drops = List.copyOf(drops);
        extraRows = List.copyOf(extraRows);
        columns = ordered(columns);
        extras = ordered(extras);
    }

    /** A column of the extended mapping's export, its type there, and how this export's columns make it (null: no such data). */
    public record Renamed(SourceType type, Rule from) {}

    private static <V> Map<String, V> ordered(Map<String, V> m) {
        return java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(m));
    }
}
