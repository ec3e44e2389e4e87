package io.sluice.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The named connections of a connections file: {@code connections.yaml} beside the pipeline, or the file given with
 * {@code --connections}. Each name maps to its settings:
 *
 * <pre>
 * warehouse: { url: "jdbc:postgresql://db:5432/dw", user: etl, password: "${DW_PASSWORD}" }
 * </pre>
 *
 * A connection is validated when a pipeline names it, not before: a connection whose {@code ${VAR}} is unset here
 * fails only the pipelines that use it.
 */
public final class Connections {
    /** The file looked for beside the pipeline when none is given. */
    public static final String FILE_NAME = "connections.yaml";

    static final Field<Secret> URL = Field.required(
            "url",
            Type.SECRET_URL,
            "JDBC url: `jdbc:postgresql://host:5432/db`, `jdbc:mariadb://host:3306/db` (MySQL servers too); driver "
                    + "options may follow. Shown with credentials masked.");
    static final Field<String> USER = Field.computed("user", Type.STRING, "from the url", "User to connect as.");
    static final Field<Secret> PASSWORD = Field.computed(
            "password",
            Type.SECRET,
            "from the url, or none",
            "Password of the user: write `${ENV_VAR}` or `${file:/run/secrets/NAME}`, never the value.");
    static final Field<Long> POOL_SIZE =
            Field.optional("pool_size", Type.POSITIVE_INT, 4L, "Connections one Sluice process keeps open at most.");
    static final Field<Map<String, String>> PROPERTIES = Field.optional(
            "properties",
            Type.mapOf(Type.STRING),
            Map.of(),
            "Driver properties passed as they are, e.g. `{ sslmode: require }`.");
    /** One connection's settings, as the reference docs list them. */
    public static final Type.Obj SETTINGS =
            Type.Obj.of("A named database connection.", URL, USER, PASSWORD, POOL_SIZE, PROPERTIES);

    private final Path file;
    private final ConfigNode.Mapping entries;
    private final Function<String, String> env;
    private final Map<String, Connection> validated = new ConcurrentHashMap<>();
    private final Map<String, List<ConfigProblem>> warnings = new ConcurrentHashMap<>();

    private Connections(Path file, ConfigNode.Mapping entries, Function<String, String> env) {
        this.file = file;
        this.entries = entries;
        this.env = env;
    }

    /** No connections file: every name is unknown, and the message says where one was looked for. */
    public static Connections none(Path lookedFor) {
        return new Connections(lookedFor, null, name -> null);
    }

    /**
     * The connections of {@code explicit} when given (it must exist), else of {@code connections.yaml} in the
     * pipeline's folder when there is one, else none.
     *
     * @throws ConfigException when the file cannot be read or is not a map of names to settings
     */
    public static Connections find(Path pipelineFolder, Path explicit, Function<String, String> env) {
        if (explicit != null) {
            Path file = explicit.toAbsolutePath().normalize();
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(new ConfigProblem(
                        Location.unknown(file.toString()),
                        "",
                        "the connections file does not exist; check the path given with --connections"));
            }
            return load(file, env);
        }
        Path beside = pipelineFolder.resolve(FILE_NAME).normalize();
        return Files.isRegularFile(beside) ? load(beside, env) : none(beside);
    }

    /** @throws ConfigException when the file cannot be read or is not a map of names to settings */
    public static Connections load(Path file, Function<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(new ConfigProblem(
                    Location.unknown(file.toString()),
                    "",
                    "cannot read the connections file (" + e.getMessage() + "); check it is a readable UTF-8 file"));
        }
        if (text.isBlank())
            return new Connections(file, new ConfigNode.Mapping(Map.of(), Location.unknown(file.toString())), env);
        ConfigNode root = YamlReader.parse(file.toString(), text);
        if (root instanceof ConfigNode.Scalar s && s.isNull()) {
            return new Connections(file, new ConfigNode.Mapping(Map.of(), root.location()), env);
        }
        if (!(root instanceof ConfigNode.Mapping mapping)) {
            throw new ConfigException(new ConfigProblem(
                    root.location(),
                    "",
                    "expected a map of connection names to their settings (`warehouse: { url: ..., user: ... }`), "
                            + "found " + root.kindName()));
        }
        wrapped(mapping).ifPresent(problem -> {
            throw new ConfigException(problem);
        });
        return new Connections(file, mapping, env);
    }

    /**
     * A file written as {@code connections: { warehouse: ... }}: its one top-level key holds the connections, which
     * would be read as one connection named {@code connections} with an unknown option per name.
     */
    private static Optional<ConfigProblem> wrapped(ConfigNode.Mapping root) {
        if (root.entries().size() != 1
                || !(root.entries().get("connections") instanceof ConfigNode.Entry e)
                || !(e.value() instanceof ConfigNode.Mapping inner)
                || inner.entries().isEmpty()
                || inner.entries().containsKey(URL.name())) return Optional.empty();
        String first = inner.entries().keySet().iterator().next();
        return Optional.of(new ConfigProblem(
                e.keyLocation(),
                "connections",
                "the top level of the connections file names the connections themselves: remove `connections:` "
                        + "and write each name at the start of its line, e.g. `" + first
                        + ": { url: \"jdbc:postgresql://host:5432/db\", user: etl }`"));
    }

    /** The file the connections come from (or where one was looked for). */
    public Path file() {
        return file;
    }

    /** Whether a connections file was found. */
    public boolean present() {
        return entries != null;
    }

    /** The names in the file, in its order. */
    public Set<String> names() {
        return entries == null ? Set.of() : entries.entries().keySet();
    }

    /**
     * The named connection, validated.
     *
     * @throws ConfigException with the problems of its settings, each at its line in the connections file
     */
    public Optional<Connection> find(String name) {
        if (entries == null || !entries.entries().containsKey(name)) return Optional.empty();
        return Optional.of(validated.computeIfAbsent(name, this::validate));
    }

    /**
     * What looks wrong in the named connection's settings without being an error: a password written as its value
     * (never the value itself), each at its place in the connections file. A pipeline that uses the connection warns
     * about them as about its own.
     *
     * @throws ConfigException when the connection is not valid (as {@link #find(String)})
     */
    public List<ConfigProblem> warnings(String name) {
        return find(name).isPresent() ? warnings.getOrDefault(name, List.of()) : List.of();
    }

    private Connection validate(String name) {
        ConfigNode node = entries.entries().get(name).value();
        Validator validator = validator();
        Options o = validator.validate(node, SETTINGS, name);
        // every user of a connection opens it with a JDBC driver: without `jdbc:` (a url as psql writes it) none ever
        // connects, and the driver's "No suitable driver" would read as a server that cannot be reached
        if (!o.get(URL).reveal().regionMatches(true, 0, "jdbc:", 0, 5)) {
            throw o.problem(
                    URL,
                    "not a JDBC url: write it with `jdbc:` first, e.g. `jdbc:postgresql://host:5432/db`, "
                            + "`jdbc:mariadb://host:3306/db`");
        }
        // a password among the driver properties is a secret too: the last filter of what is printed masks it
        o.get(PROPERTIES).forEach((k, v) -> {
            if (Secret.secretName(k) && !v.isEmpty()) Secret.of(v);
        });
        List<ConfigProblem> found = new java.util.ArrayList<>(validator.warnings());
        found.addAll(literalProperties(name, node));
        warnings.put(name, List.copyOf(found));
        return new Connection(
                name, o.get(URL), o.get(USER), o.get(PASSWORD), o.get(POOL_SIZE).intValue(), o.get(PROPERTIES), file);
    }

    private Validator validator() {
        Path folder = file.toAbsolutePath().getParent();
        return new Validator(folder, env, none(folder.resolve(FILE_NAME)), "the connections file");
    }

    /** The driver properties named like a password ({@code sslpassword}) whose value is written in the file. */
    private static List<ConfigProblem> literalProperties(String name, ConfigNode settings) {
        List<ConfigProblem> out = new java.util.ArrayList<>();
        if (settings instanceof ConfigNode.Mapping m
                && m.entries().get(PROPERTIES.name()) instanceof ConfigNode.Entry props
                && props.value() instanceof ConfigNode.Mapping properties) {
            properties.entries().forEach((key, e) -> {
                if (Secret.secretName(key)
                        && e.value() instanceof ConfigNode.Scalar v
                        && !v.isNull()
                        && Secret.literalIn(v.value().strip(), false)) {
                    out.add(new ConfigProblem(
                            v.location(),
                            name + "." + PROPERTIES.name() + "." + key,
                            "a secret written in the connections file" + Validator.LITERAL_SECRET));
                }
            });
        }
        return out;
    }

    /**
     * The secrets written as their values, not as references, in every connection of the file, used or not: its
     * {@code password}, a url's password, and driver properties named like one ({@code sslpassword}). Each problem is
     * at the value's place in the file; {@code sluice k8s generate} refuses to copy such a file into a ConfigMap.
     */
    public List<ConfigProblem> literalSecrets() {
        if (entries == null) return List.of();
        List<ConfigProblem> out = new java.util.ArrayList<>();
        for (var entry : entries.entries().entrySet()) {
            String name = entry.getKey();
            Validator validator = validator();
            try {
                validator.validate(entry.getValue().value(), SETTINGS, name);
            } catch (ConfigException invalid) {
                // its problems are reported where it is used; the secrets it has are found all the same
            }
            List<ConfigProblem> found = new java.util.ArrayList<>(validator.warnings());
            found.addAll(literalProperties(name, entry.getValue().value()));
            found.stream()
                    .filter(Validator::isLiteralSecret)
                    .forEach(w -> out.add(new ConfigProblem(w.location(), w.path(), "a secret written as its value")));
        }
        return out;
    }

    /** What to do about a name that is not in the file. */
    public String unknown(String name) {
        if (entries == null) {
            return "no connection '" + name + "': no connections file at " + file + "; write one there (`" + name
                    + ": { url: \"jdbc:postgresql://host:5432/db\", user: ..., password: \"${PASSWORD}\" }`) "
                    + "or pass --connections FILE";
        }
        List<String> known = List.copyOf(names());
        return "no connection '" + name + "' in " + file + Validator.suggestion(name, known)
                + (known.isEmpty() ? "; the file names none" : "; it names: " + String.join(", ", known));
    }
}
