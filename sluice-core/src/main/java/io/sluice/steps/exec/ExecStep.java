package io.sluice.steps.exec;

import io.sluice.config.Options;
import io.sluice.spi.AttemptFailure;
import io.sluice.spi.FileStep;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
    /** The image's variables from Kubernetes Secrets. */
    private final Map<String, Container.SecretKey> secretEnv;
    /** The commands running now, each with its process tree: {@link #stopNow} kills them. */
    private final Map<Process, ProcessTree> running = new java.util.concurrent.ConcurrentHashMap<>();

    ExecStep(
            String name,
            List<String> command,
            Map<String, String> env,
            Duration timeout,
            Path workdir,
            Options imageOptions,
            Map<String, Container.SecretKey> secretEnv) {
        this.name = name;
        this.command = List.copyOf(command);
        this.env = Map.copyOf(env);
        this.timeout = timeout;
        this.workdir = workdir;
        this.imageOptions = imageOptions;
        this.secretEnv = Map.copyOf(secretEnv);
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
    public void stopNow() {
        running.forEach((p, tree) -> tree.killNow(p));
    }

    @Override
    public java.util.Optional<Container> container() {
        if (imageOptions == null) return java.util.Optional.empty();
        return java.util.Optional.of(new Container(imageOptions.get(ExecStepFactory.IMAGE), command, env, secretEnv));
    }

    @Override
    public void run(Path input, String key, Path outputDir, Path scratch, String splitId) throws Exception {
        checkRunsHere();
        Map<String, String> values =
                Map.of("input", input.toString(), "output_dir", outputDir.toString(), "split", splitId, "key", key);
        List<String> args = command.stream().map(a -> fill(a, values)).toList();
        ProcessBuilder pb = new ProcessBuilder(args).directory(workdir.toFile());
        // UTC, as the engine: a command formatting dates would write the worker's zone, and a replay elsewhere another
        // output; the step's env may say otherwise
        pb.environment().put("TZ", "UTC");
        env.forEach((k, v) -> pb.environment().put(k, fill(v, values)));
        pb.environment().put("SLUICE_INPUT", values.get("input"));
        pb.environment().put("SLUICE_OUTPUT_DIR", values.get("output_dir"));
        pb.environment().put("SLUICE_SPLIT", splitId);
        pb.environment().put("SLUICE_KEY", key);
        // standard error through a pipe into a bounded tail: a command writing gigabytes of it fills no disk
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.PIPE);
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
        StderrTail stderr = new StderrTail(TAIL_BYTES);
        Thread reader = Thread.ofVirtual().name("exec-stderr").start(() -> stderr.readAll(p.getErrorStream()));
        boolean ended;
        running.put(p, tree);
        try {
            // nothing is written to its standard input: ended at once, a command that reads it (a tool reading its
            // input there when given no file, one asking a question) goes on rather than waiting until its timeout
            p.getOutputStream().close();
            ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            // however it ended (exit 0, past its timeout, the worker stopping): nothing it started outlives it
            running.remove(p);
            tree.kill(p);
            // its children are gone, so the pipe ends; a grandchild that escaped keeps it open: do not wait on it
            reader.join(Duration.ofSeconds(2));
            p.getErrorStream().close();
        }
        if (!ended) {
            throw new AttemptFailure(
                    name + ": " + args.getFirst() + " ran longer than its timeout (" + seconds(timeout) + ") on " + key
                            + " and was killed" + tail(stderr),
                    true);
        }
        if (p.exitValue() != 0) {
            throw new AttemptFailure(
                    name + ": " + args.getFirst() + " " + exit(p.exitValue()) + " on " + key + tail(stderr), true);
        }
    }

    /**
     * How a non-zero exit reads: on Unix a code of 128 + N is how a process killed by signal N shows (as a shell
     * reports it too), and 137, SIGKILL, is most often the kernel's out-of-memory killer.
     */
    static String exit(int code) {
        boolean unix = java.io.File.separatorChar == '/';
        if (!unix || code < 129 || code > 159) return "exited with code " + code;
        int signal = code - 128;
        String sig = switch (signal) {
            case 1 -> "SIGHUP";
            case 2 -> "SIGINT";
            case 3 -> "SIGQUIT";
            case 4 -> "SIGILL";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL; out of memory?";
            case 11 -> "SIGSEGV";
            case 13 -> "SIGPIPE";
            case 14 -> "SIGALRM";
            case 15 -> "SIGTERM";
            default -> null;
        };
        return "was killed by signal " + signal + (sig == null ? "" : " (" + sig + ")") + " (exit code " + code + ")";
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
    static String tail(StderrTail stderr) {
        long size = stderr.total();
        if (size == 0) return " (it wrote nothing to standard error)";
        byte[] bytes = stderr.last();
        List<String> lines =
                new String(bytes, StandardCharsets.UTF_8).strip().lines().toList();
        boolean cut = size > TAIL_BYTES || lines.size() > TAIL_LINES;
        if (size > TAIL_BYTES && lines.size() > 1) lines = lines.subList(1, lines.size()); // a partial first line
        if (lines.size() > TAIL_LINES) lines = lines.subList(lines.size() - TAIL_LINES, lines.size());
        return "; standard error" + (cut ? " (last " + lines.size() + " lines)" : "") + ":\n"
                + String.join("\n", lines);
    }

    /** The last bytes read from a stream, in a ring of fixed size, and how many were read in all. */
    static final class StderrTail {
        private final byte[] ring;
        private long total;

        StderrTail(int size) {
            this.ring = new byte[size];
        }

        /** Reads the stream to its end (or until it is closed), keeping only the last bytes. */
        void readAll(InputStream in) {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) add(buf, n);
            } catch (IOException closed) {
                // closed once the command ended: what was read is the tail
            }
        }

        synchronized void add(byte[] buf, int n) {
            for (int i = Math.max(0, n - ring.length); i < n; i++) {
                ring[(int) ((total + i) % ring.length)] = buf[i];
            }
            total += n;
        }

        synchronized long total() {
            return total;
        }

        /** The last bytes read, oldest first. */
        synchronized byte[] last() {
            int kept = (int) Math.min(total, ring.length);
            byte[] out = new byte[kept];
            for (int i = 0; i < kept; i++) out[i] = ring[(int) ((total - kept + i) % ring.length)];
            return out;
        }
    }

    private static String cause(IOException e) {
        String m = String.valueOf(e.getMessage());
        int error = m.indexOf("error=");
        return error < 0
                ? m
                : m.substring(error).replaceFirst("^error=\\d+, ", "").toLowerCase(java.util.Locale.ROOT);
    }
}
