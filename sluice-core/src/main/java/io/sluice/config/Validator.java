package io.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@link ConfigNode} tree against its declared {@link Type} and turns it into typed values. Collects
 * every problem (not only the first), each with file, line, column, option path and what is allowed.
 */
public final class Validator {
    private static final Pattern ENV = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?", Pattern.CASE_INSENSITIVE);

    private final Path baseDir;
    private final Function<String, String> env;
    private final List<ConfigProblem> problems = new ArrayList<>();

    /**
     * @param baseDir relative paths are resolved against it (the pipeline file's folder)
     * @param env     where {@code ${VAR}} values come from
     */
    public Validator(Path baseDir, Function<String, String> env) {
        this.baseDir = baseDir;
        this.env = env;
    }

    /** Validates the root block; throws {@link ConfigException} with every problem found. */
    public Options validate(ConfigNode root, Type.Obj type) {
        Object result = check(root, type, "");
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return (Options) result;
    }

    private Object check(ConfigNode node, Type type, String path) {
        return switch (type) {
            case Type.Obj obj -> object(node, obj, path);
            case Type.Variant variant -> variant(node, variant, path);
            case Type.ListOf list -> list(node, list, path);
            case Type.MapOf map -> map(node, map, path);
            default -> scalar(node, type, path);
        };
    }

    private Object object(ConfigNode node, Type.Obj obj, String path) {
        if (!(node instanceof ConfigNode.Mapping mapping)) {
            return expected(node, path, "a block of options (" + names(obj) + ")");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, Location> locations = new HashMap<>();
        for (var e : mapping.entries().entrySet()) {
            Field field = obj.field(e.getKey());
            if (field == null) {
                problems.add(new ConfigProblem(e.getValue().keyLocation(), join(path, e.getKey()),
                        "unknown option" + suggestion(e.getKey(), obj.fields().stream().map(Field::name).toList())
                                + "; allowed here: " + names(obj)));
                continue;
            }
            locations.put(field.name(), e.getValue().value().location());
            ConfigNode value = e.getValue().value();
            if (value instanceof ConfigNode.Scalar s && s.isNull() && !field.required()) {
                values.put(field.name(), field.defaultValue());
                continue;
            }
            values.put(field.name(), check(value, field.type(), join(path, field.name())));
        }
        for (Field field : obj.fields()) {
            if (values.containsKey(field.name()) || locations.containsKey(field.name())) continue;
            if (field.required()) {
                problems.add(new ConfigProblem(mapping.location(), join(path, field.name()),
                        "missing required option (" + field.type().describe() + "): " + field.doc()));
            } else {
                values.put(field.name(), defaultOf(field, mapping.location(), join(path, field.name())));
            }
        }
        return new Options(path, mapping.location(), values, locations);
    }

    /** A nested block with no value written gets its own defaults, so code never meets a missing block. */
    private Object defaultOf(Field field, Location at, String path) {
        if (field.defaultValue() == null && field.type() instanceof Type.Obj obj && field.defaultDoc() == null) {
            return object(new ConfigNode.Mapping(Map.of(), at), obj, path);
        }
        return field.defaultValue();
    }

    private Object variant(ConfigNode node, Type.Variant variant, String path) {
        String allowed = String.join(" | ", variant.kinds().keySet());
        if (!(node instanceof ConfigNode.Mapping mapping) || mapping.entries().size() != 1) {
            return expected(node, path, "exactly one of: " + allowed);
        }
        var entry = mapping.entries().entrySet().iterator().next();
        Type kindType = variant.kinds().get(entry.getKey());
        if (kindType == null) {
            problems.add(new ConfigProblem(entry.getValue().keyLocation(), join(path, entry.getKey()),
                    "unknown kind" + suggestion(entry.getKey(), variant.kinds().keySet()) + "; allowed: " + allowed));
            return null;
        }
        String kindPath = join(path, entry.getKey());
        ConfigNode value = entry.getValue().value();
        if (value instanceof ConfigNode.Scalar s && s.isNull() && kindType instanceof Type.Obj) {
            value = new ConfigNode.Mapping(Map.of(), value.location());
        }
        return new Options.Selected(entry.getKey(), check(value, kindType, kindPath), kindPath, value.location());
    }

    private Object list(ConfigNode node, Type.ListOf list, String path) {
        if (node instanceof ConfigNode.Sequence seq) {
            List<Object> items = new ArrayList<>();
            for (int i = 0; i < seq.items().size(); i++) {
                items.add(check(seq.items().get(i), list.element(), path + "[" + i + "]"));
            }
            return List.copyOf(items.stream().filter(java.util.Objects::nonNull).toList());
        }
        if (list.scalarOk() && node instanceof ConfigNode.Scalar) {
            Object one = check(node, list.element(), path);
            return one == null ? List.of() : List.of(one);
        }
        return expected(node, path, list.describe());
    }

    private Object map(ConfigNode node, Type.MapOf map, String path) {
        if (!(node instanceof ConfigNode.Mapping mapping)) return expected(node, path, map.describe());
        Map<String, Object> values = new LinkedHashMap<>();
        for (var e : mapping.entries().entrySet()) {
            values.put(e.getKey(), check(e.getValue().value(), map.value(), join(path, e.getKey())));
        }
        return java.util.Collections.unmodifiableMap(values);
    }

    private Object scalar(ConfigNode node, Type type, String path) {
        if (!(node instanceof ConfigNode.Scalar scalar) || scalar.isNull()) {
            return expected(node, path, type.describe());
        }
        String text = substitute(scalar.value(), node.location(), path);
        if (text == null) return null;
        // a string keeps its spaces: a quoted ' ' or "\t" (a delimiter, say) is what the user means
        Object value = convert(type instanceof Type.Str ? text : text.trim(), type);
        if (value == null) {
            String hint = type instanceof Type.Choice c ? suggestion(text.trim(), c.values()) : "";
            problems.add(new ConfigProblem(node.location(), path,
                    "'" + text + "' is not a valid " + type.describe() + hint));
        }
        return value;
    }

    private Object convert(String text, Type type) {
        return switch (type) {
            case Type.Str s -> text;
            case Type.Int i -> {
                try {
                    long v = Long.parseLong(text.replace("_", ""));
                    yield v < i.min() || v > i.max() ? null : v;
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            case Type.Decimal d -> {
                try {
                    double v = Double.parseDouble(text);
                    yield v > d.above() && v < d.below() ? v : null;
                } catch (NumberFormatException e) {
                    yield null;
                }
            }
            case Type.Bool b -> switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> Boolean.TRUE;
                case "false", "no", "off" -> Boolean.FALSE;
                default -> null;
            };
            case Type.Dur d -> parseDuration(text);
            case Type.Size s -> parseSize(text);
            case Type.FilePath p -> text.isEmpty() ? null : baseDir.resolve(text).normalize();
            case Type.Choice c -> c.values().contains(text) ? text : null;
            default -> throw new IllegalStateException("not a scalar type: " + type);
        };
    }

    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) return null;
        try {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            d.toMillis(); // every user of a duration needs it in milliseconds
            return d;
        } catch (NumberFormatException | ArithmeticException e) { // too many digits, or beyond Duration
            return null;
        }
    }

    public static Long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) return null;
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null; // too many digits for a long
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT).replace("I", "");
        int shift = switch (unit) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            case "TB" -> 40;
            default -> 0;
        };
        return n > Long.MAX_VALUE >> shift ? null : n << shift;
    }

    /** Replaces {@code ${VAR}} and {@code ${VAR:-default}}; {@code $$} is a literal dollar. */
    private String substitute(String text, Location at, String path) {
        if (text.indexOf('$') < 0) return text;
        Matcher m = ENV.matcher(text);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                String value = env.apply(m.group(1));
                if (value == null || (value.isEmpty() && m.group(2) != null)) value = m.group(2);
                if (value == null) {
                    problems.add(new ConfigProblem(at, path, "environment variable " + m.group(1)
                            + " is not set; set it, or write ${" + m.group(1) + ":-default}"));
                    ok = false;
                    value = "";
                }
                replacement = value;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return ok ? out.toString() : null;
    }

    private Object expected(ConfigNode node, String path, String what) {
        problems.add(new ConfigProblem(node.location(), path, "expected " + what + ", found " + node.kindName()));
        return null;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String names(Type.Obj obj) {
        return String.join(", ", obj.fields().stream().map(Field::name).toList());
    }

    /** " (did you mean 'x'?)" when a known word is close to what was written. */
    public static String suggestion(String written, java.util.Collection<String> known) {
        return known.stream()
                .min(Comparator.comparingInt(k -> distance(written.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT))))
                .filter(k -> distance(written.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT)) <= Math.max(2, k.length() / 3))
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
