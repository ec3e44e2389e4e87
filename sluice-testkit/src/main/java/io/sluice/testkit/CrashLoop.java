package io.sluice.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Runs a pipeline in a child JVM ({@link RunOnce}) again and again, killing it with SIGKILL at a random moment (from
 * JVM start-up through planning, processing and commits), until it was killed the number of times asked.
 */
public final class CrashLoop {
    private CrashLoop() {}

    /** What the loop did: SIGKILLs delivered, and runs that ended on their own meanwhile. */
    public record Result(int kills, int ended) {}

    /** Called after a run that ended on its own (before the next run starts), with its exit code. */
    public interface Ended {
        void ended(int exitCode) throws Exception;
    }

    /**
     * Kills a run {@code kills} times, each after {@code minMillis} plus up to {@code spreadMillis}; a run that ends
     * first is handed to {@code ended}. A kill drawn later than a whole run takes only lets the run end, which costs a
     * run and kills nothing (half the draws did in the JDBC crash tests), so the window follows the runs: after a run
     * ends on its own it spans the longest run seen so far, and after each kill it widens by a tenth (up to the
     * spread given, or twice that while no run has ended), so that it grows again when the runs it cuts short are longer (a fresh start after a short
     * resumed run). Stops early when {@code 3 * kills} runs ended on their own (a fast machine finishes runs inside
     * the window; the caller's count of kills then says so).
     */
    public static Result run(
            Path pipeline, Path log, Random random, int kills, int minMillis, int spreadMillis, Ended ended)
            throws Exception {
        return run(
                pipeline.toString(),
                () -> ChildJvm.start(log, RunOnce.class.getName(), pipeline.toString()),
                random,
                kills,
                minMillis,
                spreadMillis,
                ended);
    }

    /** Starts the process a loop kills, e.g. {@code sluice run} in a child JVM. */
    public interface Start {
        Process start() throws Exception;
    }

    /** The same, with runs that {@code start} begins, named {@code name} in what the loop prints. */
    public static Result run(
            String name, Start start, Random random, int kills, int minMillis, int spreadMillis, Ended ended)
            throws Exception {
        int killed = 0;
        int finished = 0;
        int spread = spreadMillis;
        List<Long> endedMillis = new ArrayList<>();
        while (killed < kills && finished < 3 * kills) {
            long started = System.nanoTime();
            Process p = start.start();
            if (!p.waitFor(minMillis + random.nextInt(spread), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                killed++;
                // until a run has ended on its own, past the spread given: on a loaded machine (CI beside other
                // work) a whole run can take longer than it, and a loop that never lets one end tests no restart
                spread = Math.min(finished == 0 ? 2 * spreadMillis : spreadMillis, spread + spread / 10);
            } else {
                finished++;
                endedMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                spread = (int) Math.clamp(Collections.max(endedMillis) - minMillis, 200, spreadMillis);
                ended.ended(p.exitValue());
            }
        }
        System.out.println("CrashLoop " + name + ": " + killed + " kill(s), " + finished
                + " run(s) ended on their own, in " + endedMillis + " ms; last window " + minMillis + "-"
                + (minMillis + spread) + " ms");
        return new Result(killed, finished);
    }

    /** Runs until a run exits 0 (a killed run's leases expire meanwhile and are taken over), at most five times. */
    public static int runToTheEnd(Path pipeline, Path log, int timeoutSeconds) throws Exception {
        int code = -1;
        for (int i = 0; i < 5 && code != 0; i++) {
            Process p = ChildJvm.start(log, RunOnce.class.getName(), pipeline.toString());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(
                        "a run of " + pipeline + " did not end within " + timeoutSeconds + " s; see " + log);
            }
            code = p.exitValue();
        }
        return code;
    }
}
