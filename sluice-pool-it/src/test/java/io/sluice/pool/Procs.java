package io.sluice.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice} commands as child processes (this test's class path), each with its own log file, and the signals
 * the tests send them: SIGKILL (a crash), SIGTERM (a clean stop), SIGSTOP and SIGCONT (a long pause).
 */
final class Procs {
    private Procs() {}

    record Proc(String name, Process process, Path log) {
        long pid() {
            return process.pid();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly().waitFor();
        }

        void terminate() {
            process.destroy(); // SIGTERM on Linux
        }

        void pause() throws Exception {
            signal("STOP");
        }

        void resume() throws Exception {
            signal("CONT");
        }

        private void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid()))
                    .inheritIO()
                    .start();
            if (kill.waitFor() != 0) throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
        }

        /** The exit code, waiting at most {@code seconds}; fails the test when it does not exit in time. */
        int exitCode(int seconds) throws Exception {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(name + " did not exit within " + seconds + " s; log " + log + ":\n" + tail());
            }
            return process.exitValue();
        }

        String logText() throws IOException {
            return Files.exists(log) ? Files.readString(log) : "";
        }

        /** Waits until the log holds {@code text}; fails with the log's tail when the process exits first or later than {@code seconds}. */
        void awaitLog(String text, int seconds) throws Exception {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!logText().contains(text)) {
                if (!process.isAlive())
                    throw new AssertionError(name + " exited before it said '" + text + "':\n" + tail());
                if (System.nanoTime() > until)
                    throw new AssertionError(name + " did not say '" + text + "' in " + seconds + " s:\n" + tail());
                Thread.sleep(100);
            }
        }

        String tail() throws IOException {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        }
    }

    /** {@code sluice ARGS...} in a child JVM, its output appended to {@code log}. */
    static Proc sluice(String name, Path log, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx384m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "io.sluice.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        pb.environment().put("SLUICE_DEBUG", "1");
        return new Proc(name, pb.start(), log);
    }

    /** {@code sluice worker PIPELINE --id ID} with a log of its own under {@code logs}. */
    static Proc worker(String id, Path pipeline, Path logs, Map<String, String> env) throws IOException {
        Files.createDirectories(logs);
        return sluice(
                id, logs.resolve(id + ".log"), env, "worker", pipeline.toString(), "--id", id, "--progress", "log");
    }
}
