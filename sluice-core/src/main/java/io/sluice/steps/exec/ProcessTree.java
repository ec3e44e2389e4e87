package io.sluice.steps.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A command and every process it started, killed when the command ends, however it ends (exit 0 too): a background
 * child ({@code sleep 300 &}) must not outlive the split that started it.
 *
 * <p>{@link Process#descendants()} finds only the children still attached to a live parent: once the command has
 * exited, its orphans belong to init. So each command gets a marker in its environment, which its children inherit
 * (a daemon that detaches with {@code setsid} too), and on Linux the processes carrying it are found in {@code
 * /proc/PID/environ}. Elsewhere only the descendants are.
 */
final class ProcessTree {
    /** The environment variable that marks a command's processes. */
    static final String MARKER = "SLUICE_EXEC_ID";

    private static final Path PROC = Path.of("/proc");

    /** Scans after the first, {@link #RESCAN_MILLIS} apart, while they still find processes of the command. */
    private static final int RESCANS = 10;

    private static final long RESCAN_MILLIS = 5;

    private final String id = UUID.randomUUID().toString();

    /** Marks the processes the builder starts. */
    ProcessBuilder mark(ProcessBuilder pb) {
        pb.environment().put(MARKER, id);
        return pb;
    }

    /** Kills the command, if still running, and every process it started that is still there; waits for them. */
    void kill(Process p) throws InterruptedException {
        List<ProcessHandle> all = killNow(p);
        // a process in the middle of an exec (setsid, then its command) can show an empty environment for a moment,
        // and so escape one scan: look again until a scan finds none of the command's processes left
        for (int i = 0; i < RESCANS; i++) {
            Thread.sleep(RESCAN_MILLIS);
            List<ProcessHandle> more =
                    marked().stream().filter(ProcessHandle::isAlive).toList();
            if (more.isEmpty()) break;
            more.forEach(ProcessHandle::destroyForcibly);
            all.addAll(more);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : all) {
            long left = until - System.nanoTime();
            if (left <= 0) break;
            try {
                h.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // gone already, or beyond reach: nothing more to do for it
            }
        }
    }

    /** Kills the command and every process it started that is still there, without waiting; returns them. */
    List<ProcessHandle> killNow(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.addAll(marked());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        return all;
    }

    /** The live processes whose environment carries this command's marker (Linux); none elsewhere. */
    List<ProcessHandle> marked() {
        if (!Files.isDirectory(PROC)) return List.of();
        byte[] needle = (MARKER + "=" + id).getBytes(StandardCharsets.US_ASCII);
        List<ProcessHandle> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(PROC, "[0-9]*")) {
            for (Path dir : pids) {
                long pid = Long.parseLong(dir.getFileName().toString());
                if (pid == self) continue;
                byte[] env;
                try {
                    env = Files.readAllBytes(dir.resolve("environ"));
                } catch (IOException e) {
                    continue; // gone, or another user's: not ours
                }
                if (contains(env, needle)) ProcessHandle.of(pid).ifPresent(out::add);
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Whether the NUL-separated environment holds exactly the entry {@code needle}. */
    private static boolean contains(byte[] env, byte[] needle) {
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start == needle.length && Arrays.equals(env, start, i, needle, 0, needle.length)) return true;
                start = i + 1;
            }
        }
        return false;
    }
}
