package io.sluice.config;

import java.util.Objects;

/**
 * One declared option of a component, and the typed key to read it: {@code options.get(FIELD)} returns a {@code T},
 * with no option name written twice and no cast. Declare it once, as a constant of the component; its block
 * ({@link Type.Obj}) lists it, and validation, defaults and the reference docs all come from that declaration.
 *
 * @param defaultValue the value when omitted (already in the validated form), or null for none
 * @param defaultDoc   how the default reads in the docs when it is computed (e.g. "number of cores")
 * @param shapesOutput a source's option that changes what its records are, not which are read (a csv file's
 *     {@code header}, say): it counts in the pipeline's version, as steps and the sink do
 */
public record Field<T>(
        String name,
        Type<T> type,
        boolean required,
        T defaultValue,
        String defaultDoc,
        String doc,
        boolean shapesOutput) {
    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
    }

    public static <T> Field<T> required(String name, Type<T> type, String doc) {
        return new Field<>(name, type, true, null, null, doc, false);
    }

    public static <T> Field<T> optional(String name, Type<T> type, T defaultValue, String doc) {
        return new Field<>(name, type, false, defaultValue, null, doc, false);
    }

    /** An option whose default is computed at run time and described in words (or that may be left out). */
    public static <T> Field<T> computed(String name, Type<T> type, String defaultDoc, String doc) {
        return new Field<>(name, type, false, null, defaultDoc, doc, false);
    }

    /** This option, counted in the pipeline's version (see {@link #shapesOutput}). */
    public Field<T> shapingOutput() {
        return new Field<>(name, type, required, defaultValue, defaultDoc, doc, true);
    }
}
