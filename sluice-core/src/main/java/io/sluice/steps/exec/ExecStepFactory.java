package io.sluice.steps.exec;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Secret;
import io.sluice.config.Type;
import io.sluice.spi.FileStep;
import io.sluice.spi.KubernetesNames;
import io.sluice.spi.PipelineContext;
import io.sluice.spi.Step;
import io.sluice.spi.StepFactory;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Declares the {@code exec} step: a command (or, in Kubernetes Jobs, a container image) run once per input file. */
public final class ExecStepFactory implements StepFactory<Options> {
    /** Public: the Kubernetes manifest reads a step's program from it (a file of the folder goes on a volume). */
    public static final Field<List<String>> COMMAND = Field.computed(
            "command",
            Type.listOf(Type.STRING),
            "none (with `image`: the image's own)",
            "The program and its arguments, one list item each (no shell: write `[sh, -c, \"...\"]` for one, and "
                    + "read `\"$SLUICE_INPUT\"` and the others there quoted, not placeholders, which would paste the "
                    + "file's name into the script). "
                    + "Placeholders: `{input}` the input as a local file, `{output_dir}` an empty folder whose files go "
                    + "to the sink, `{split}` the split id, `{key}` the input's name under the source. A program "
                    + "named with a `/` is relative to the pipeline file; without one it is looked up on `PATH`.");
    /** Public: the Kubernetes manifest reads it too (a step with an image puts no program of the folder on a volume). */
    public static final Field<String> IMAGE = Field.computed(
            "image",
            Type.STRING,
            "none",
            "A container image that runs `command` (or its own entrypoint), with `run.runner: kubernetes` only: "
                    + "one Job per split. Local runs and worker pools refuse it.");

    static final Field<Map<String, String>> ENV = Field.optional(
            "env",
            Type.mapOf(Type.STRING),
            Map.of(),
            "Environment variables added to Sluice's own (placeholders work in the values). The command also gets "
                    + "`SLUICE_INPUT`, `SLUICE_OUTPUT_DIR`, `SLUICE_SPLIT` and `SLUICE_KEY`.");
    static final Field<String> SECRET = Field.required(
            "secret", Type.STRING, "The name of a Kubernetes Secret in the Jobs' namespace (you create it).");
    static final Field<String> KEY =
            Field.computed("key", Type.STRING, "the variable's name", "The key of the Secret that holds the value.");
    static final Type.Obj SECRET_KEY = Type.Obj.of("A key of a Kubernetes Secret.", SECRET, KEY);
    static final Field<Map<String, Options>> SECRET_ENV = Field.optional(
            "secret_env",
            Type.mapOf(SECRET_KEY),
            Map.of(),
            "With `image` only: environment variables of the image's container taken from a Kubernetes Secret's key "
                    + "(`API_TOKEN: { secret: acme-api, key: token }`: `secret` the Secret's name, in the Jobs' namespace; "
                    + "`key` its key, default the variable's name), by reference: the Job names the Secret and the "
                    + "key, never the value, so whoever may read Jobs and pods but not Secrets does not see it. A "
                    + "`${VAR}` in `env` would be written into the Job as its value, and is refused with `image`.");
    static final Field<Duration> TIMEOUT = Field.optional(
            "timeout",
            Type.DURATION,
            Duration.ofHours(1),
            "Longest run of the command for one input; past it the command (and what it started) is killed and "
                    + "the split fails (retried under `run.retries`).");
    static final Field<Path> WORKDIR =
            Field.computed("workdir", Type.PATH, "the pipeline file's folder", "The folder the command runs in.");

    static final Type.Obj OPTIONS = Type.Obj.of(
            "A command run once per input file; the files it writes under `{output_dir}` go to the sink.",
            COMMAND,
            IMAGE,
            ENV,
            SECRET_ENV,
            TIMEOUT,
            WORKDIR);

    /** The placeholders a command's arguments and environment values may hold. */
    static final List<String> PLACEHOLDERS = List.of("input", "output_dir", "split", "key");

    static final Pattern PLACEHOLDER = io.sluice.spi.FileStep.Container.PLACEHOLDER;

    /**
     * An image reference as the container runtimes take it: an optional registry host (and port), a path of
     * lowercase components, an optional tag and an optional sha256 digest.
     */
    private static final Pattern IMAGE_REF = Pattern.compile("(?:[a-zA-Z0-9.-]+(?::[0-9]+)?/)?"
            + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
            + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?");

    @Override
    public String kind() {
        return "exec";
    }

    @Override
    public Type<Options> options() {
        return OPTIONS;
    }

    @Override
    public String description() {
        return "Runs a command once per input file (the file handed whole, as a local path) and sends every file it "
                + "writes under `{output_dir}` to the files sink, copied as it is, under the same commit rules as rows: "
                + "staged, committed with the split under its claim, replaced by a replay, nothing visible after a "
                + "failure. It must be the only step. A non-zero exit fails the split with the exit code and the last "
                + "lines of the command's standard error. See docs/steps/exec.md.";
    }

    @Override
    public boolean readsWholeFiles() {
        return true;
    }

    @Override
    public Step create(Options o, PipelineContext context) {
        Optional<String> image = o.find(IMAGE);
        Optional<List<String>> command = o.find(COMMAND);
        if (image.isEmpty() && command.isEmpty()) {
            throw o.problem(COMMAND, "give the command to run, e.g. command: [rebuild, \"{input}\", \"{output_dir}\"]");
        }
        if (command.isPresent() && command.get().isEmpty()) throw o.problem(COMMAND, "name at least the program");
        if (image.isPresent() && !IMAGE_REF.matcher(image.get()).matches()) {
            throw o.problem(
                    IMAGE,
                    "'" + image.get() + "' is not an image reference (e.g. ghcr.io/acme/rebuild:1.4 or "
                            + "rebuild@sha256:<64 hex digits>)");
        }
        for (String arg : command.orElse(List.of())) checkPlaceholders(o, COMMAND, arg);
        for (String value : o.get(ENV).values()) checkPlaceholders(o, ENV, value);
        for (String variable : o.get(ENV).keySet()) checkVariable(o, ENV, variable, image.isPresent());
        Map<String, FileStep.Container.SecretKey> secretEnv = secretEnv(o, image.isPresent());
        if (o.get(TIMEOUT).isZero()) throw o.problem(TIMEOUT, "must be more than 0");
        Path workdir = o.find(WORKDIR).orElse(context.baseDir());
        if (!Files.isDirectory(workdir)) throw o.problem(WORKDIR, "the folder " + workdir + " does not exist");
        List<String> program = command.orElse(List.of());
        if (image.isEmpty()) {
            // the command runs here: a missing program is found now, at its line, not by every split
            program = new java.util.ArrayList<>(program);
            program.set(0, executable(o, program.getFirst(), context.baseDir()));
        }
        String name = "exec step at " + o.location();
        return new ExecStep(
                name, program, o.get(ENV), o.get(TIMEOUT), workdir, image.isPresent() ? o : null, secretEnv);
    }

    /** A key of a Secret's data. */
    private static final Pattern SECRET_DATA_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    /**
     * The variables an exec step's image takes from Secrets ({@code secret_env}), by variable. Public: the Kubernetes
     * manifest names the Secrets, which the user creates.
     */
    public static Map<String, FileStep.Container.SecretKey> secretEnv(Options o) {
        return secretEnv(o, o.has(IMAGE));
    }

    /**
     * The image's variables from Secrets, checked; and its {@code env} checked for what would put a secret in the
     * Job's text, which anyone who may read Jobs or pods reads (Kubernetes' {@code view} role, which cannot read
     * Secrets): a value from a {@code ${VAR}} (the controller resolves it when it loads the pipeline, so the Job would
     * hold the value), or one whose name says it is a secret ({@code API_TOKEN}, as the validator judges names).
     */
    private static Map<String, FileStep.Container.SecretKey> secretEnv(Options o, boolean image) {
        Map<String, Options> written = o.get(SECRET_ENV);
        if (!written.isEmpty() && !image) {
            throw o.problem(
                    SECRET_ENV,
                    "applies to image: only (a Kubernetes Secret's key, by reference); a command run here gets "
                            + "Sluice's own environment: write env: { NAME: \"${NAME}\" }, or leave it out and set "
                            + "NAME where Sluice runs");
        }
        if (image) {
            for (String name : o.get(ENV).keySet()) {
                boolean reference = o.fromReference(ENV.name() + "." + name);
                if (reference || Secret.secretName(name)) {
                    throw o.problem(
                            ENV,
                            name + (reference ? " is a ${...} reference" : " looks like a secret")
                                    + ": with image: its value would be written in clear into every split's Job, "
                                    + "which whoever may read Jobs or pods in the namespace reads; take it from a "
                                    + "Kubernetes Secret instead: secret_env: { " + name + ": { secret: SECRET, "
                                    + "key: KEY } } (see docs/steps/exec.md)"
                                    + (reference ? "" : ", or write a value that is no secret under another name"));
                }
            }
        }
        Map<String, FileStep.Container.SecretKey> out = new java.util.TreeMap<>();
        written.forEach((name, ref) -> {
            String secret = ref.get(SECRET);
            String key = ref.find(KEY).orElse(name);
            if (o.get(ENV).containsKey(name)) {
                throw o.problem(SECRET_ENV, name + " is in env too: give each variable once");
            }
            checkVariable(o, SECRET_ENV, name, true);
            if (!KubernetesNames.isSubdomain(secret)) {
                throw ref.problem(
                        SECRET,
                        "'" + secret + "' is not a Kubernetes object name (lowercase letters, digits, '-' and '.', "
                                + "e.g. acme-api)");
            }
            if (!SECRET_DATA_KEY.matcher(key).matches() || key.length() > 253) {
                throw ref.problem(KEY, "'" + key + "' is not a key a Secret may hold (letters, digits, '-', '_', '.')");
            }
            out.put(name, new FileStep.Container.SecretKey(secret, key));
        });
        return out;
    }

    /**
     * A variable's name: in an image's container, as the API server takes it (else it refuses every split's Job); for
     * a command run here, one a process's environment can hold (else every split's command fails to start).
     */
    private static void checkVariable(Options o, Field<?> field, String name, boolean image) {
        if (image && !KubernetesNames.isEnvVarName(name)) {
            throw o.problem(
                    field,
                    "'" + name + "' is not a name Kubernetes takes for a container's environment variable: letters,"
                            + " digits, '_', '-' and '.', not starting with a digit (" + KubernetesNames.ENV_VAR_NAME
                            + ", the rule every Kubernetes version applies); rename it");
        }
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw o.problem(
                    field,
                    "'" + name + "' is not the name of an environment variable: it is empty or holds '=' (or a NUL)");
        }
    }

    private static void checkPlaceholders(Options o, Field<?> field, String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                throw o.problem(
                        field,
                        "unknown placeholder {" + m.group(1) + "} in '" + text + "'; known: "
                                + String.join(
                                        ", ",
                                        PLACEHOLDERS.stream()
                                                .map(p -> "{" + p + "}")
                                                .toList()));
            }
        }
    }

    /** The program's path: one with a {@code /} relative to the pipeline's folder, else found on {@code PATH}. */
    private static String executable(Options o, String program, Path base) {
        if (PLACEHOLDER.matcher(program).find()) return program; // known per input only
        if (program.contains("/")) {
            Path p = base.resolve(program).normalize();
            if (!Files.isRegularFile(p))
                throw o.problem(
                        COMMAND,
                        "no program " + p + " (a path with / is relative "
                                + "to the pipeline file's folder); fix the path");
            if (!Files.isExecutable(p)) throw o.problem(COMMAND, p + " is not executable; chmod +x it");
            return p.toString();
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return program;
        }
        throw o.problem(
                COMMAND,
                "command not found: " + program + " is not on PATH (" + path + "); install it, or give its "
                        + "path (relative to the pipeline file, e.g. ./bin/" + program + ")");
    }
}
