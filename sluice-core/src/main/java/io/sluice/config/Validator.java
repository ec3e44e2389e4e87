package io.sluice.config;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a {@link ConfigNode} tree against its declared {@link Type} and turns it into typed values. Collects
 * every problem (not only the first), each with file, line, column, option path and what is allowed.
 */
public final class Validator {
    /** {@code $$}, {@code ${file:PATH}} (group 1), {@code ${NAME}} or {@code ${NAME:-default}} (groups 2 and 3). */
    private static final Pattern ENV =
            Pattern.compile("\\$\\$|\\$\\{file:([^}]+)}|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    /** {@code $NAME} without braces: not replaced, and reported (see {@link #bareVariables}). */
    private static final Pattern BARE_VARIABLE = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)");

    /**
     * What the exec step sets in its command's environment ({@code docs/steps/exec.md}): {@code "$SLUICE_INPUT"} in an
     * {@code sh -c} script is the shell's to read, not a forgotten {@code ${...}}.
     */
    private static final java.util.Set<String> COMMAND_VARIABLES =
            java.util.Set.of("SLUICE_INPUT", "SLUICE_OUTPUT_DIR", "SLUICE_SPLIT", "SLUICE_KEY");

    private static final Pattern SIZE =
            Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?", Pattern.CASE_INSENSITIVE);

    private final Path baseDir;
    private final Function<String, String> env;
    private final Connections connections;
    /** How a message names the file being validated ("the pipeline file"). */
    private final String fileKind;

    private final Map<String, Connection> connectionsUsed = new LinkedHashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();
    private final List<ConfigProblem> warnings = new ArrayList<>();
    /** The paths of the values written with a {@code ${...}} reference, for {@link Options#fromReference}. */
    private final java.util.Set<String> referenced = new java.util.HashSet<>();

    /**
     * @param baseDir relative paths are resolved against it (the pipeline file's folder)
     * @param env     where {@code ${VAR}} values come from
     */
    public Validator(Path baseDir, Function<String, String> env) {
        this(baseDir, env, Connections.none(baseDir.resolve(Connections.FILE_NAME)));
    }

    /** @param connections what {@code connection: NAME} options name ({@link Type#CONNECTION}) */
    public Validator(Path baseDir, Function<String, String> env, Connections connections) {
        this(baseDir, env, connections, "the pipeline file");
    }

    /** @param fileKind how messages name the file validated: "the connections file" */
    Validator(Path baseDir, Function<String, String> env, Connections connections, String fileKind) {
        this.baseDir = baseDir;
        this.env = env;
        this.connections = connections;
        this.fileKind = fileKind;
    }

    /** Validates the root block; throws {@link ConfigException} with every problem found. */
    public Options validate(ConfigNode root, Type.Obj type) {
        return validate(root, type, "");
    }

    /** Validates a block found at {@code path} (option paths in messages start with it). */
    public Options validate(ConfigNode root, Type.Obj type, String path) {
        Object result = check(root, type, path);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return (Options) result;
    }

    /** The connections the validated options named, by name, after {@link #validate}. */
    public Map<String, Connection> connectionsUsed() {
        return java.util.Collections.unmodifiableMap(connectionsUsed);
    }

    /** Ends the warning about a secret written as its value, which {@link #isLiteralSecret} finds by it. */
    static final String LITERAL_SECRET =
            ": anyone who can read the file or its history has it; write ${ENV_VAR} or ${file:/path/to/secret} instead";

    /** Whether the warning is about a secret written as its value in the file, not as a reference. */
    public static boolean isLiteralSecret(ConfigProblem warning) {
        return warning.message().endsWith(LITERAL_SECRET);
    }

    /** What looks wrong without being certainly wrong (a {@code $NAME} that may be meant literally), after {@link #validate}. */
    public List<ConfigProblem> warnings() {
        return List.copyOf(warnings);
    }

    private Object check(ConfigNode node, Type<?> type, String path) {
        return switch (type) {
            case Type.Obj obj -> object(node, obj, path);
            case Type.Variant variant -> variant(node, variant, path);
            case Type.ListOf<?> list -> list(node, list, path);
            case Type.MapOf<?> map -> map(node, map, path);
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
            Field<?> field = obj.field(e.getKey());
            if (field == null) {
                String near = suggestion(
                        e.getKey(), obj.fields().stream().map(Field::name).toList());
                String below = near.isEmpty() ? below(e.getKey(), obj, path) : null;
                problems.add(new ConfigProblem(
                        e.getValue().keyLocation(),
                        join(path, e.getKey()),
                        "unknown option" + (below == null ? near : " (did you mean " + below + "?)")
                                + credentialsHint(e.getKey(), obj) + "; allowed here: " + names(obj)));
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
        for (Field<?> field : obj.fields()) {
            if (values.containsKey(field.name()) || locations.containsKey(field.name())) continue;
            if (field.required()) {
                problems.add(new ConfigProblem(
                        mapping.location(),
                        join(path, field.name()),
                        "missing required option (" + field.type().describe() + "): " + field.doc()));
            } else {
                values.put(field.name(), defaultOf(field, mapping.location(), join(path, field.name())));
            }
        }
        return new Options(path, mapping.location(), obj, values, locations, referencedBelow(path));
    }

    private static final java.util.regex.Pattern CREDENTIAL =
            java.util.regex.Pattern.compile("(?i).*(secret|password|access_?key|key_?id|token|credential).*");

    /** For a key such as secret_access_key in a block whose credentials come from elsewhere: where they go. */
    private static String credentialsHint(String key, Type.Obj obj) {
        return obj.credentials().isEmpty() || !CREDENTIAL.matcher(key).matches()
                ? ""
                : ": credentials are not written in the pipeline file; " + obj.credentials();
    }

    /** The referenced values below {@code path}, by their path from it. */
    private java.util.Set<String> referencedBelow(String path) {
        String prefix = path.isEmpty() ? "" : path + ".";
        java.util.Set<String> below = new java.util.HashSet<>();
        for (String p : referenced) if (p.startsWith(prefix)) below.add(p.substring(prefix.length()));
        return below;
    }

    /** A nested block with no value written gets its own defaults, so code never meets a missing block. */
    private Object defaultOf(Field<?> field, Location at, String path) {
        if (field.defaultValue() == null && field.type() instanceof Type.Obj obj && field.defaultDoc() == null) {
            return object(new ConfigNode.Mapping(Map.of(), at), obj, path);
        }
        return field.defaultValue();
    }

    private Object variant(ConfigNode node, Type.Variant variant, String path) {
        String allowed = String.join(" | ", variant.kinds().keySet());
        if (!(node instanceof ConfigNode.Mapping mapping) || mapping.entries().isEmpty()) {
            return expected(node, path, "exactly one of: " + allowed);
        }
        List<Map.Entry<String, ConfigNode.Entry>> kinds = new ArrayList<>();
        for (var e : mapping.entries().entrySet()) {
            if (variant.kinds().containsKey(e.getKey())) {
                kinds.add(e);
            } else {
                problems.add(new ConfigProblem(
                        e.getValue().keyLocation(), join(path, e.getKey()), notAKind(e.getKey(), variant, path)));
            }
        }
        if (kinds.size() > 1) {
            problems.add(new ConfigProblem(
                    kinds.get(1).getValue().keyLocation(),
                    join(path, kinds.get(1).getKey()),
                    "a second kind: write exactly one of: " + allowed));
        }
        if (kinds.size() != 1) return null;
        var entry = kinds.getFirst();
        Type<?> kindType = variant.kinds().get(entry.getKey());
        String kindPath = join(path, entry.getKey());
        ConfigNode value = entry.getValue().value();
        if (value instanceof ConfigNode.Scalar s && s.isNull() && kindType instanceof Type.Obj) {
            value = new ConfigNode.Mapping(Map.of(), value.location());
        }
        return new Options.Selected(entry.getKey(), check(value, kindType, kindPath), kindPath, value.location());
    }

    /**
     * A key in a block of kinds that is not a kind: an option of a kind written one level too high
     * ({@code source: { include: ... }}), or a mistyped kind.
     */
    private static String notAKind(String key, Type.Variant variant, String path) {
        String what = path.startsWith("steps[") ? "step" : path;
        List<String> meant = new ArrayList<>();
        variant.kinds().forEach((kind, type) -> {
            if (type instanceof Type.Obj obj && obj.field(key) != null) meant.add(join(join(path, kind), key));
        });
        String allowed = String.join(" | ", variant.kinds().keySet());
        if (meant.isEmpty()) {
            return "`" + key + "` is not a kind of " + what
                    + suggestion(key, variant.kinds().keySet()) + "; allowed: " + allowed;
        }
        return "`" + key + "` is not a kind of " + what + "; did you mean " + String.join(" or ", meant)
                + "? (allowed here: " + allowed + ")";
    }

    /** The path of an option of that name in a block below this one ({@code run: { max: 3 }}: run.retries.max). */
    private static String below(String key, Type.Obj obj, String path) {
        for (Field<?> f : obj.fields()) {
            String at = join(path, f.name());
            List<Map.Entry<String, Type<?>>> blocks = switch (f.type()) {
                case Type.Obj o -> List.of(Map.<String, Type<?>>entry(at, o));
                case Type.Variant v ->
                    v.kinds().entrySet().stream()
                            .map(k -> Map.<String, Type<?>>entry(join(at, k.getKey()), k.getValue()))
                            .toList();
                default -> List.of();
            };
            for (var block : blocks) {
                if (block.getValue() instanceof Type.Obj o && o.field(key) != null) return join(block.getKey(), key);
            }
        }
        return null;
    }

    private Object list(ConfigNode node, Type.ListOf<?> list, String path) {
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
        if (list.element() instanceof Type.Variant
                && node instanceof ConfigNode.Mapping m
                && !m.entries().isEmpty()) {
            // the "- " of each item left out: the items' keys (one per item: sql, aggregate, ...) are read as one map
            return problem(
                    node,
                    path,
                    "expected " + list.describe() + ", found a map: start each item with '- ' (- "
                            + m.entries().keySet().iterator().next() + ": ...)");
        }
        if ((list.element() instanceof Type.MapOf<?> || list.element() instanceof Type.Obj)
                && node instanceof ConfigNode.Mapping m
                && !m.entries().isEmpty()) {
            // a list of maps written as one map: the user's item, without its "- "
            return problem(
                    node,
                    path,
                    "expected " + list.describe() + ", found a map: write each item as '- "
                            + m.entries().keySet().iterator().next()
                            + ": ...', with the item's other keys under its first");
        }
        return expected(node, path, list.describe());
    }

    private Object map(ConfigNode node, Type.MapOf<?> map, String path) {
        if (!(node instanceof ConfigNode.Mapping mapping)) return expected(node, path, map.describe());
        Map<String, Object> values = new LinkedHashMap<>();
        for (var e : mapping.entries().entrySet()) {
            values.put(e.getKey(), check(e.getValue().value(), map.value(), join(path, e.getKey())));
        }
        return java.util.Collections.unmodifiableMap(values);
    }

    private Object scalar(ConfigNode node, Type<?> type, String path) {
        if (!(node instanceof ConfigNode.Scalar scalar) || scalar.isNull()) {
            return expected(node, path, type.describe());
        }
        String text = substitute(scalar.value(), node.location(), path);
        if (text == null) return null;
        if (type instanceof Type.SecretText secret) return secret(scalar, text, secret, path);
        if (type instanceof Type.ConnectionName) return connection(text.strip(), node.location(), path);
        // a string keeps its spaces: a quoted ' ' or "\t" (a delimiter, say) is what the user means
        Object value = convert(type instanceof Type.Str ? text : text.trim(), type);
        if (value == null) {
            String hint = type instanceof Type.Choice c ? suggestion(text.trim(), c.values()) : "";
            problems.add(new ConfigProblem(
                    node.location(), path, "'" + text + "' is not a valid " + type.describe() + hint));
        }
        return value;
    }

    /**
     * A secret keeps how it was written, to show that instead of its value. Written literally in the file it is
     * accepted, with a warning: it works for a local trial, and the warning says how to keep it out of the file.
     * Empty (an unset {@code ${VAR:-}}) is the same as not written.
     */
    private Secret secret(ConfigNode.Scalar scalar, String text, Type.SecretText type, String path) {
        if (text.isEmpty()) return null;
        String written = scalar.value().strip();
        if (Secret.literalIn(written, type.url())) {
            warnings.add(new ConfigProblem(
                    scalar.location(),
                    path,
                    (type.url()
                                    ? "the url carries a password written in " + fileKind
                                    : "a secret written in " + fileKind)
                            + LITERAL_SECRET));
        }
        return Secret.fromOption(type.url() ? text.strip() : text, written, type.url());
    }

    /** The named connection's settings; its own problems are reported at the option that names it. */
    private Connection connection(String name, Location at, String path) {
        try {
            Optional<Connection> found = connections.find(name);
            if (found.isPresent()) {
                // its warnings (a password written as its value) are the pipeline's: it uses them
                if (connectionsUsed.put(name, found.get()) == null) warnings.addAll(connections.warnings(name));
                return found.get();
            }
            problems.add(new ConfigProblem(at, path, connections.unknown(name)));
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                problems.add(new ConfigProblem(at, path, "connection '" + name + "' is not valid: " + p));
            }
        }
        return null;
    }

    private Object convert(String text, Type<?> type) {
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
            case Type.Bool b ->
                switch (text.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on" -> Boolean.TRUE;
                    case "false", "no", "off" -> Boolean.FALSE;
                    default -> null;
                };
            case Type.Dur d -> parseDuration(text);
            case Type.Size s -> parseSize(text);
            case Type.FilePath p ->
                text.isEmpty() ? null : baseDir.resolve(text).normalize();
            case Type.PathOrUrl l ->
                text.isEmpty()
                        ? null
                        : Type.PathOrUrl.isUrl(text)
                                ? text
                                : baseDir.resolve(text).normalize().toString();
            case Type.Choice c -> c.values().contains(text) ? text : null;
            default -> throw new IllegalStateException("not a scalar type: " + type);
        };
    }

    /** A duration as a pipeline file writes it, in its largest whole unit: {@code 2s}, {@code 1h}, {@code 500ms}. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000 == 0 && ms > 0) return ms / 86_400_000 + "d";
        if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
        if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
        if (ms % 1000 == 0) return ms / 1000 + "s";
        return ms + "ms";
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
            // every user of a duration needs it in milliseconds: toMillis throws here for one beyond them
            return Duration.ofMillis(d.toMillis());
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
        String unit =
                m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT).replace("I", "");
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
        int plain = 0;
        while (m.find()) {
            ok &= bareVariables(text.substring(plain, m.start()), text, at, path);
            plain = m.end();
            String replacement;
            if (m.group().equals("$$")) {
                replacement = "$";
            } else {
                referenced.add(path); // the value is the environment's or a file's: Options#fromReference
                if (m.group(1) != null) {
                    replacement = fileContent(m.group(1).strip(), at, path);
                    if (replacement == null) {
                        ok = false;
                        replacement = "";
                    }
                } else {
                    String value = env.apply(m.group(2));
                    if (value == null || (value.isEmpty() && m.group(3) != null)) value = m.group(3);
                    if (value == null) {
                        problems.add(new ConfigProblem(
                                at,
                                path,
                                "environment variable " + m.group(2) + " is not set; set it, or write ${" + m.group(2)
                                        + ":-default}"));
                        ok = false;
                        value = "";
                    }
                    replacement = value;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        ok &= bareVariables(text.substring(plain), text, at, path);
        m.appendTail(out);
        return ok ? out.toString() : null;
    }

    /**
     * The content of a file named by {@code ${file:PATH}} (a mounted Kubernetes or Docker secret), without the line
     * end that editors and {@code echo} add; a relative path is relative to the pipeline file.
     */
    private String fileContent(String name, Location at, String path) {
        Path file = baseDir.resolve(name).normalize();
        try {
            return Files.readString(file).replaceFirst("\\r?\\n$", "");
        } catch (NoSuchFileException e) {
            problems.add(new ConfigProblem(
                    at,
                    path,
                    "the file " + file + " (from ${file:" + name + "}) does not "
                            + "exist; create it or fix the path"));
        } catch (AccessDeniedException e) {
            problems.add(new ConfigProblem(
                    at,
                    path,
                    "cannot read the file " + file + " (from ${file:" + name
                            + "}): permission denied; let the user running sluice read it"));
        } catch (IOException | java.io.UncheckedIOException e) {
            problems.add(new ConfigProblem(
                    at,
                    path,
                    "cannot read the file " + file + " (from ${file:" + name
                            + "}): it is not a readable UTF-8 text file"));
        }
        return null;
    }

    /**
     * {@code $NAME} without braces is not substituted. It is an error when it clearly means a variable (it starts the
     * value, as in {@code $DATA/in}, or the name is set in the environment), otherwise a warning: a {@code $} inside a
     * value may be meant literally (in SQL, say).
     *
     * @return false when an error was reported
     */
    private boolean bareVariables(String plain, String value, Location at, String path) {
        boolean ok = true;
        Matcher bare = BARE_VARIABLE.matcher(plain);
        while (bare.find()) {
            String name = bare.group(1);
            if (COMMAND_VARIABLES.contains(name)) continue;
            boolean set = env.apply(name) != null;
            boolean clearly = set || value.strip().startsWith(bare.group());
            String message = "$" + name + " is not replaced: write ${" + name + "} for the environment variable"
                    + (set ? " (" + name + " is set)" : "") + ", or $$" + name + " for a literal $";
            (clearly ? problems : warnings).add(new ConfigProblem(at, path, message));
            ok &= !clearly;
        }
        return ok;
    }

    private Object expected(ConfigNode node, String path, String what) {
        return problem(node, path, "expected " + what + ", found " + node.kindName() + cutAtComma(node, path));
    }

    /** Reports {@code message} at the node; null: no value. */
    private Object problem(ConfigNode node, String path, String message) {
        problems.add(new ConfigProblem(node.location(), path, message));
        return null;
    }

    /**
     * A hint where a {@code { }} mapping was cut at a comma inside a value: {@code { price: decimal(10,2) }} is read by
     * YAML as {@code price: decimal(10} and a key {@code 2)} without a value.
     */
    private static String cutAtComma(ConfigNode node, String path) {
        String key = path.substring(path.lastIndexOf('.') + 1);
        boolean cut = node instanceof ConfigNode.Scalar s && s.isNull() && key.endsWith(")") && !key.contains("(");
        return cut
                ? " (the key '" + key + "' looks like the end of a value YAML cut at a comma: inside { } quote a value"
                        + " that holds a comma, as in { price: 'decimal(10,2)' })"
                : "";
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
                .min(Comparator.comparingInt(
                        k -> distance(written.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT))))
                .filter(k -> distance(written.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT))
                        <= Math.max(2, k.length() / 3))
                .map(k -> " (did you mean '" + k + "'?)")
                .orElse("");
    }

    public static int distance(String a, String b) {
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
