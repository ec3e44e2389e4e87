package io.sluice.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The declared type of an option, and the Java type {@code T} of its validated value. Declared once per option
 * ({@link Field}); the {@link Validator}, the reference docs and the typed reads ({@link Options#get}) all come from
 * the declaration, so they cannot drift apart.
 */
public sealed interface Type<T> {

    /** How the type reads in an error message and in the docs. */
    String describe();

    Type<String> STRING = new Str();
    Type<Long> INT = new Int(Long.MIN_VALUE, Long.MAX_VALUE);
    Type<Long> POSITIVE_INT = new Int(1, Integer.MAX_VALUE);
    Type<Boolean> BOOL = new Bool();
    Type<java.time.Duration> DURATION = new Dur();
    Type<Long> SIZE = new Size();
    Type<java.nio.file.Path> PATH = new FilePath(false);
    /**
     * A file holding a key (a service-account key file): where pods run it comes from a mounted Secret, never from the
     * pipeline's folder or its shared volume.
     */
    Type<java.nio.file.Path> SECRET_PATH = new FilePath(true);

    Type<String> LOCATION = new PathOrUrl();
    Type<Double> PROBABILITY = new Decimal(0, 1);
    /** A password, key or token: never shown (see {@link Secret}). */
    Type<Secret> SECRET = new SecretText(false);
    /** A url that may carry credentials (user:password@, password=...): shown with them masked. */
    Type<Secret> SECRET_URL = new SecretText(true);
    /** The name of a connection in the connections file ({@link Connections}), validated into its settings. */
    Type<Connection> CONNECTION = new ConnectionName();

    record Str() implements Type<String> {
        public String describe() {
            return "string";
        }
    }

    record Int(long min, long max) implements Type<Long> {
        public String describe() {
            return min == Long.MIN_VALUE ? "integer" : "integer >= " + min;
        }
    }

    /** A decimal number strictly between two bounds, e.g. a probability. */
    record Decimal(double above, double below) implements Type<Double> {
        public String describe() {
            return "number between " + plain(above) + " and " + plain(below) + " (exclusive)";
        }

        private static String plain(double d) {
            return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
    }

    record Bool() implements Type<Boolean> {
        public String describe() {
            return "boolean (true | false)";
        }
    }

    /** A duration: {@code 250ms}, {@code 5s}, {@code 10m}, {@code 2h}, {@code 1d}. */
    record Dur() implements Type<java.time.Duration> {
        public String describe() {
            return "duration (e.g. 500ms, 5s, 10m, 2h)";
        }
    }

    /** A size in bytes: {@code 64KB}, {@code 128MB}, {@code 2GB}, or a plain number of bytes. */
    record Size() implements Type<Long> {
        public String describe() {
            return "size (e.g. 64KB, 128MB, 2GB)";
        }
    }

    /**
     * A file or folder path; relative paths are relative to the pipeline file's folder.
     *
     * @param secret the file holds a key ({@link #SECRET_PATH})
     */
    record FilePath(boolean secret) implements Type<java.nio.file.Path> {
        public String describe() {
            return "path (relative to the pipeline file)";
        }
    }

    /**
     * A local path (relative to the pipeline file's folder) or an object store URL ({@code s3://bucket/prefix/}); the
     * value is the URL as written, or the path made absolute.
     */
    record PathOrUrl() implements Type<String> {
        // two letters at least, so that a Windows drive ("C:\...") stays a path
        private static final java.util.regex.Pattern URL =
                java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+://.*");

        /** Whether {@code location} names a store by URL rather than a local path. */
        public static boolean isUrl(String location) {
            return URL.matcher(location).matches();
        }

        public String describe() {
            return "path (relative to the pipeline file) or URL (s3://, gs://, az://)";
        }
    }

    record Choice(List<String> values) implements Type<String> {
        public Choice {
            values = List.copyOf(values);
        }

        public String describe() {
            return String.join(" | ", values);
        }
    }

    /**
     * A secret: written as {@code ${ENV_VAR}} or {@code ${file:/path}} (a literal is accepted with a warning), read
     * only through {@link Secret#reveal()}.
     *
     * @param url a url whose credentials (user info, {@code password=...}) are the secret part: shown masked
     */
    record SecretText(boolean url) implements Type<Secret> {
        public String describe() {
            return url ? "secret url" : "secret";
        }
    }

    /** A connection's name; its value is the connection's validated settings. */
    record ConnectionName() implements Type<Connection> {
        public String describe() {
            return "connection name (from connections.yaml)";
        }
    }

    /** A list; {@code scalarOk} also accepts one value written without brackets. */
    record ListOf<E>(Type<E> element, boolean scalarOk) implements Type<List<E>> {
        public String describe() {
            return "list of " + element.describe();
        }
    }

    record MapOf<V>(Type<V> value) implements Type<Map<String, V>> {
        public String describe() {
            return "map of name to " + value.describe();
        }
    }

    /**
     * A block of named options; an unknown key is an error.
     *
     * @param credentials where the block's service takes its credentials from, told to a key that looks like one
     *                    written in the block (empty: the block names none)
     */
    record Obj(String doc, List<Field<?>> fields, String credentials) implements Type<Options> {
        public Obj {
            fields = List.copyOf(fields);
        }

        public static Obj of(String doc, Field<?>... fields) {
            return new Obj(doc, List.of(fields), "");
        }

        /** This block, telling a key, secret or password written in it where its credentials come from instead. */
        public Obj withCredentials(String where) {
            return new Obj(doc, fields, where);
        }

        public String describe() {
            return "block";
        }

        public Field<?> field(String name) {
            return fields.stream()
                    .filter(f -> f.name().equals(name))
                    .findFirst()
                    .orElse(null);
        }
    }

    /** A block naming exactly one of several kinds: {@code source: { files: {...} }}. */
    record Variant(String doc, Map<String, Type<?>> kinds) implements Type<Options.Selected> {
        public Variant {
            kinds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kinds));
        }

        public String describe() {
            return "one of: " + String.join(" | ", kinds.keySet());
        }
    }

    static Type<String> choice(String... values) {
        return new Choice(List.of(values));
    }

    static <E> Type<List<E>> listOf(Type<E> element) {
        return new ListOf<>(element, false);
    }

    static <E> Type<List<E>> oneOrMany(Type<E> element) {
        return new ListOf<>(element, true);
    }

    static <V> Type<Map<String, V>> mapOf(Type<V> value) {
        return new MapOf<>(value);
    }
}
