package io.sluice.config;

import java.util.Objects;

/**
 * One declared option of a component.
 *
 * @param defaultValue the value when omitted (already in the validated form), or null for none
 * @param defaultDoc   how the default reads in the docs when it is computed (e.g. "number of cores")
 */
public record Field(String name, Type type, boolean required, Object defaultValue, String defaultDoc, String doc) {
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
    }

    public static Field required(String name, Type type, String doc) {
        return new Field(name, type, true, null, null, doc);
    }

    public static Field optional(String name, Type type, Object defaultValue, String doc) {
        return new Field(name, type, false, defaultValue, null, doc);
    }

    /** An option whose default is computed at run time and described in words. */
    public static Field computed(String name, Type type, String defaultDoc, String doc) {
        return new Field(name, type, false, null, defaultDoc, doc);
    }
}
