package io.sluice.steps.exec;

import io.sluice.config.Field;
import io.sluice.config.Options;
import io.sluice.config.Type;
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
        return new ExecStep(name, program, o.get(ENV), o.get(TIMEOUT), workdir, image.isPresent() ? o : null);
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
