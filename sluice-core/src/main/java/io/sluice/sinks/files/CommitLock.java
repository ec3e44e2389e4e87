package io.sluice.sinks.files;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A lock taken around a commit: a lock file, shared by the processes of this machine, and a lock in this JVM (a file
 * lock cannot be taken twice by one JVM). A commit holds it for a few renames; a process that holds it much longer is
 * paused (SIGSTOP, a frozen machine), and rather than wait for it forever a commit gives up after {@link #WAIT},
 * failing its split, which is tried again.
 */
final class CommitLock {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Map<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private CommitLock() {
    }

    /** Holds a lock until closed. */
    interface Held extends AutoCloseable {
        /** Holds nothing. */
        Held NONE = () -> { };

        @Override
        void close() throws IOException;
    }

    /** Takes the lock of this file; {@code what} names it in errors ("the commit lock of output day.csv"). */
    static Held take(Path file, String what) throws IOException {
        Path lockFile = file.toAbsolutePath().normalize();
        Files.createDirectories(lockFile.getParent());
        long deadline = System.nanoTime() + WAIT.toNanos();
        ReentrantLock inJvm = IN_JVM.computeIfAbsent(lockFile, f -> new ReentrantLock());
        try {
            if (!inJvm.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)) throw held(what, lockFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + what);
        }
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock lock;
                for (long pause = 1; (lock = channel.tryLock()) == null; pause = Math.min(pause * 2, 50)) {
                    if (System.nanoTime() > deadline) throw held(what, lockFile);
                    Thread.sleep(pause);
                }
                FileLock taken = lock;
                return () -> {
                    try (channel) {
                        taken.release();
                    } finally {
                        inJvm.unlock();
                    }
                };
            } catch (InterruptedException e) {
                channel.close();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + what);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            inJvm.unlock();
            throw e;
        }
    }

    private static IOException held(String what, Path file) {
        return new IOException(what + " (" + file + ") has been held by another commit for " + WAIT.toSeconds()
                + " s; is a process paused (SIGSTOP, a frozen machine)? The split is tried again");
    }
}
