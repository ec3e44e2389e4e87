package io.sluice.pipeline;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
import io.sluice.spi.Folders;
import io.sluice.spi.storage.ObjectStoreFactory;
import io.sluice.spi.storage.ObjectStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The fingerprint of what shapes a split's output: the steps (kind and options), the sink's kind and options, save
 * where it writes (its path options and the settings of the store a path names: output moved elsewhere is the same
 * output), and the source's options that change what its records are ({@link Field#shapesOutput}: a csv file's
 * {@code header}, say). Not the source's other options, which decide what is read, not how it is turned into output;
 * not {@code run} or {@code state}.
 *
 * <p>It hashes a canonical form of the validated options, not the file's text: comments, key order, quoting, YAML
 * or JSON, and an option written with its default value or left out all give the same version; so does a string's
 * whitespace outside quotes (an SQL query reflowed over several lines). Paths count relative to the pipeline file's
 * folder, so the version is the same on every machine the project is checked out on.
 */
public final class PipelineVersion {
    private PipelineVersion() {}

    /** 16 hex digits of the sha256 of the canonical form of the steps, the sink and the source's shaping options. */
    public static String of(
            Options.Selected source,
            List<Options.Selected> steps,
            Options.Selected sink,
            Components c,
            Path pipelineFolder) {
        Canonical canonical = new Canonical(pipelineFolder);
        // only when one is set: a pipeline that leaves them at their defaults keeps the version it had before they
        // counted
        String reading = source.value() instanceof Options o
                        && c.sources().get(source.kind()).options() instanceof Type.Obj obj
                ? canonical.shaping(o, obj)
                : "{}";
        StringBuilder text = new StringBuilder(reading.equals("{}") ? "" : "source:" + reading + " ");
        text.append("steps:[");
        for (Options.Selected step : steps) {
            text.append(canonical.kind(step, c.steps().get(step.kind()).options(), false))
                    .append(',');
        }
        text.append("] sink:")
                .append(canonical.kind(sink, c.sinks().get(sink.kind()).options(), true));
        try {
            byte[] d =
                    MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes validated values as text, led by their declared types. */
    private record Canonical(Path folder) {
        private static final Set<Type<?>> STORE_SETTINGS = ObjectStores.factories().values().stream()
                .map(ObjectStoreFactory::settings)
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());

        String kind(Options.Selected selected, Type<?> type, boolean withoutPaths) {
            String value = type instanceof Type.Obj obj && selected.value() instanceof Options o
                    ? block(o, obj, withoutPaths)
                    : value(selected.value(), type);
            return selected.kind() + value;
        }

        /** The options that shape the records, in name order; those at their default are left out. */
        String shaping(Options o, Type.Obj obj) {
            Map<String, String> fields = new TreeMap<>();
            for (Field<?> f : obj.fields()) {
                Object v = o.values().get(f.name());
                if (!f.shapesOutput() || v == null || v.equals(f.defaultValue())) continue;
                fields.put(f.name(), value(v, f.type()));
            }
            return fields.toString();
        }

        /** Options in name order; those at their declared default are left out, as if not written. */
        private String block(Options o, Type.Obj obj, boolean withoutPaths) {
            Map<String, String> fields = new TreeMap<>();
            for (Field<?> f : obj.fields()) {
                Object v = o.values().get(f.name());
                // a credential decides where output goes, not what it holds
                if (f.type() instanceof Type.SecretText) continue;
                if (v == null || v.equals(f.defaultValue()) || (withoutPaths && where(f))) continue;
                String text = value(v, f.type());
                if (!text.equals("{}")) fields.put(f.name(), text); // a block of defaults only
            }
            return fields.toString();
        }

        /**
         * Whether a sink's option says where it writes rather than what: its path or connection, and the settings of the store
         * that path names ({@code s3: { endpoint: ... }}: a test's S3 endpoint on a random port is the same output).
         */
        private static boolean where(Field<?> f) {
            return f.type() instanceof Type.FilePath
                    || f.type() instanceof Type.PathOrUrl
                    || f.type() instanceof Type.ConnectionName
                    || STORE_SETTINGS.contains(f.type());
        }

        private String value(Object v, Type<?> type) {
            return switch (type) {
                case Type.Obj obj -> block((Options) v, obj, false);
                case Type.Variant variant -> {
                    Options.Selected s = (Options.Selected) v;
                    yield "{" + kind(s, variant.kinds().get(s.kind()), false) + "}";
                }
                case Type.ListOf<?> list -> {
                    List<String> items = new ArrayList<>();
                    for (Object item : (List<?>) v) items.add(value(item, list.element()));
                    yield items.toString();
                }
                case Type.MapOf<?> map -> {
                    Map<String, String> entries = new TreeMap<>();
                    ((Map<?, ?>) v).forEach((k, item) -> entries.put(quoted(k.toString()), value(item, map.value())));
                    yield entries.toString();
                }
                case Type.Str s -> quoted(spaced(v.toString()));
                case Type.Choice ch -> quoted(v.toString());
                case Type.FilePath p -> quoted(Folders.key(folder, (Path) v));
                case Type.PathOrUrl l ->
                    quoted(
                            Type.PathOrUrl.isUrl(v.toString())
                                    ? v.toString()
                                    : Folders.key(folder, Path.of(v.toString())));
                case Type.Dur d -> Long.toString(((Duration) v).toMillis()) + "ms";
                default -> v.toString(); // numbers, sizes, booleans
            };
        }

        private static String quoted(String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }

        /**
         * Runs of whitespace outside quotes become one space, and the ends are trimmed: reflowing a query does not
         * change it, while {@code 'a  b'} and {@code "my  column"} keep their spaces.
         */
        static String spaced(String s) {
            StringBuilder out = new StringBuilder(s.length());
            char quote = 0;
            boolean space = false;
            for (char ch : s.strip().toCharArray()) {
                if (quote == 0 && Character.isWhitespace(ch)) {
                    space = true;
                    continue;
                }
                if (space) out.append(' ');
                space = false;
                out.append(ch);
                if (quote == 0 && (ch == '\'' || ch == '"')) quote = ch;
                else if (ch == quote) quote = 0; // a doubled quote inside closes and reopens: same result
            }
            return out.toString();
        }
    }
}
