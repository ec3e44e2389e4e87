package io.sluice.steps.exec;

import io.sluice.config.Options;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.FileStep;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command once per input file, with the input's path and an output folder filled into its arguments. */
final class ExecStep implements FileStep {
    /** How much of the command's standard error a failure quotes: its last lines, at most this many bytes. */
    static final int TAIL_BYTES = 4096;

    static final int TAIL_LINES = 20;

    private final String name;
    private final List<String> command;
    private final Map<String, String> env;
    private final Duration timeout;
    private final Path workdir;
    /** The options, when they name an image: refused where this process runs the step. */
    private final Options imageOptions;

    ExecStep(
            String name,
            List<String> command,
            Map<String, String> env,
            Duration timeout,
            Path workdir,
            Options imageOptions) {
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.workdir = workdir;
        this.imageOptions = imageOptions;
    }

    @Override
    public void checkRunsHere() {
        if (imageOptions != null) {
            throw imageOptions.problem(
                    ExecStepFactory.IMAGE,
                    "image: runs only with run.runner: kubernetes (each split's "
                            + "Job runs the image); local runs and worker pools run a command on this machine: give "
                            + "command: without image:");
        }
    }

    @Override
    public java.util.Optional<Container> container() {
        if (imageOptions == null) return java.util.Optional.empty();
        return java.util.Optional.of(new Container(imageOptions.get(ExecStepFactory.IMAGE), command, env));
    }

    @Override
    public void run(Path input, String key, Path outputDir, Path scratch, String splitId) throws Exception {
        checkRunsHere();
        Map<String, String> values =
                Map.of("input", input.toString(), "output_dir", outputDir.toString(), "split", splitId, "key", key);
        List<String> args = command.stream().map(a -> fill(a, values)).toList();
        ProcessBuilder pb = new ProcessBuilder(args).directory(workdir.toFile());
        env.forEach((k, v) -> pb.environment().put(k, fill(v, values)));
        pb.environment().put("SLUICE_INPUT", values.get("input"));
        pb.environment().put("SLUICE_OUTPUT_DIR", values.get("output_dir"));
        pb.environment().put("SLUICE_SPLIT", splitId);
        pb.environment().put("SLUICE_KEY", key);
        Path stderr = Files.createTempFile(scratch, "exec-", ".stderr");
        try {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(stderr.toFile());
            ProcessTree tree = new ProcessTree();
            Process p;
            try {
                p = tree.mark(pb).start();
            } catch (IOException e) {
                // the program went missing since validation, or cannot be run: every attempt would fail alike
                throw new AttemptFailure(
                        name + ": cannot run " + args.getFirst() + " for " + key + ": " + cause(e)
                                + "; install it, or fix the command",
                        false);
            }
            boolean ended;
            try {
                ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                // however it ended (exit 0, past its timeout, the worker stopping): nothing it started outlives it
                tree.kill(p);
            }
            if (!ended) {
                throw new AttemptFailure(
                        name + ": " + args.getFirst() + " ran longer than its timeout (" + seconds(timeout) + ") on "
                                + key + " and was killed" + tail(stderr),
                        true);
            }
            if (p.exitValue() != 0) {
                throw new AttemptFailure(
                        name + ": " + args.getFirst() + " exited with code " + p.exitValue() + " on " + key
                                + tail(stderr),
                        true);
            }
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /**
     * The placeholders of {@code text} replaced by their values, in one pass: a value that holds a placeholder's text
     * (an input named {@code a{key}.txt}) is not filled again.
     */
    static String fill(String text, Map<String, String> values) {
        return Container.fill(text, values);
    }

    /** The last lines of the command's standard error, as the failure quotes them; empty when it wrote none. */
    static String tail(Path stderr) throws IOException {
        long size = Files.size(stderr);
        if (size == 0) return " (it wrote nothing to standard error)";
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(stderr.toFile(), "r")) {
            long from = Math.max(0, size - TAIL_BYTES);
            f.seek(from);
            bytes = new byte[(int) (size - from)];
            f.readFully(bytes);
        }
        List<String> lines =
                new String(bytes, StandardCharsets.UTF_8).strip().lines().toList();
        boolean cut = size > TAIL_BYTES || lines.size() > TAIL_LINES;
        if (size > TAIL_BYTES && lines.size() > 1) lines = lines.subList(1, lines.size()); // a partial first line
        if (lines.size() > TAIL_LINES) lines = lines.subList(lines.size() - TAIL_LINES, lines.size());
        return "; standard error" + (cut ? " (last " + lines.size() + " lines)" : "") + ":\n"
                + String.join("\n", lines);
    }

    private static String cause(IOException e) {
        String m = String.valueOf(e.getMessage());
        int error = m.indexOf("error=");
        return error < 0
                ? m
                : m.substring(error).replaceFirst("^error=\\d+, ", "").toLowerCase(java.util.Locale.ROOT);
    }
}
