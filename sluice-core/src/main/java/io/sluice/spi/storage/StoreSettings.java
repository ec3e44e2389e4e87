package io.sluice.spi.storage;

import io.sluice.config.Field;
import io.sluice.config.Options;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The settings blocks a {@code path} option takes beside it ({@code s3: {...}}, {@code gcs: {...}},
 * {@code azure: {...}}), each declared by its store's factory, so a source and a sink that write to stores declare
 * and read them the same way.
 */
public final class StoreSettings {
    private StoreSettings() {}

    /** A field per store on the class path that takes settings, by block name. */
    public static Map<String, Field<Options>> fields() {
        Map<String, Field<Options>> blocks = new TreeMap<>();
        ObjectStores.factories().values().forEach(f -> {
            if (f.settingsBlock() == null || f.settings() == null || blocks.containsKey(f.settingsBlock())) return;
            blocks.put(
                    f.settingsBlock(),
                    Field.computed(
                            f.settingsBlock(),
                            f.settings(),
                            "the store's defaults",
                            "Settings of "
                                    + String.join(
                                            ", ",
                                            f.schemes().stream()
                                                    .sorted()
                                                    .map(x -> "`" + x + "://`")
                                                    .toList())
                                    + " stores (see [object stores](storage.md)); credentials come from the store's default "
                                    + "chain, never from here."));
        });
        return Collections.unmodifiableMap(blocks);
    }

    /** The blocks given in {@code o}, by name, with their validated values, for {@link ObjectStores#open}. */
    public static Map<String, Map<String, Object>> given(Options o, Map<String, Field<Options>> fields) {
        Map<String, Map<String, Object>> blocks = new HashMap<>();
        fields.forEach((name, field) -> o.find(field).ifPresent(block -> {
            Map<String, Object> values = new LinkedHashMap<>();
            block.values().forEach((k, v) -> {
                if (v != null) values.put(k, v);
            });
            blocks.put(name, values);
        }));
        return blocks;
    }

    /**
     * The text setting {@code name} of the {@code block} settings, or null when it is not given.
     *
     * @throws IllegalArgumentException naming the option when the value is not a non-blank text
     */
    public static String text(String block, Map<String, Object> settings, String name) {
        Object value = settings.get(name);
        if (value == null) {
            return null;
        }
        if (!(value instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException(block + "." + name + ": expected a text, got '" + value + "'");
        }
        return s;
    }

    /**
     * Checks that {@code block.endpoint} is an http(s) url with a host.
     *
     * @param example what to write instead, for the message
     * @throws IllegalArgumentException naming the option when it is not
     */
    public static void checkEndpoint(String block, String endpoint, String example) {
        java.net.URI uri;
        try {
            uri = java.net.URI.create(endpoint);
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(
                    block + ".endpoint: '" + endpoint + "' is not a url: " + bad.getMessage(), bad);
        }
        if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException(block + ".endpoint: '" + endpoint + "' is not a url; write " + example);
        }
    }
}
